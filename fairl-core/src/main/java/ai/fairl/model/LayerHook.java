package ai.fairl.model;

import ai.djl.ndarray.NDArray;
import java.util.function.UnaryOperator;

/**
 * Runs one decoder layer. The default calls it; a training loop installs its own to checkpoint
 * activations (run the layer without keeping intermediates, recompute in the backward pass) or to
 * time or offload layers. The block is pure given its input: calling it twice gives the same
 * result.
 */
@FunctionalInterface
public interface LayerHook {
  /**
   * @param layerIndex 0-based decoder layer
   * @param hidden (batch, seq, hidden) input of the layer
   * @param block the layer itself
   * @return (batch, seq, hidden) output of the layer
   */
  NDArray run(int layerIndex, NDArray hidden, UnaryOperator<NDArray> block);

  /**
   * As {@link #run(int, NDArray, UnaryOperator)}, told whether the forward trains (dropout on; a
   * checkpointing hook saves only such forwards). The model calls this one; default: the 3-argument
   * form.
   */
  default NDArray run(
      int layerIndex, NDArray hidden, UnaryOperator<NDArray> block, boolean training) {
    return run(layerIndex, hidden, block);
  }

  /** Calls the block. */
  static LayerHook direct() {
    return (i, h, block) -> block.apply(h);
  }
}
