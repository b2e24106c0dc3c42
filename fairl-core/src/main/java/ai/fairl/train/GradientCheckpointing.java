/*
 * Gradient (activation) checkpointing per decoder layer, as torch.utils.checkpoint does it, for an
 * engine without custom autograd functions (DJL): a two-phase backward.
 *
 * Forward (grad mode on, training): each decoder layer runs with grad mode off inside its own
 * NDScope, so neither autograd nor DJL's managers keep its intermediates; only the layer's input
 * stays (detached). The last layer's output becomes a fresh leaf that requires a gradient, so the
 * final norm, the head and the loss are recorded by autograd as usual.
 *
 * Backward: after the loop's backward of the loss, the leaf holds dLoss/dOutput. Walking the
 * layers in reverse, each layer is recomputed from its saved input (a leaf with requires-grad) with
 * grad mode on, and the incoming gradient is back-propagated through it (the vector-Jacobian
 * product: backward of `out` with gradient `gradOut`, the same as backward of sum(out * gradOut));
 * the input's gradient goes to the layer before. Parameter gradients accumulate as in a plain
 * backward, so gradient accumulation works unchanged; the first layer's gradient continues into the
 * embedding lookup when the embeddings train.
 *
 * Random masks (LoRA dropout): before each layer, in both passes, the engine is seeded with a seed
 * drawn from the engine's generator at the first layer (so it follows the loop's per-step seed) plus
 * the layer index; the recompute sees the same masks as the forward. Consequence: with dropout > 0 a
 * checkpointed run draws other (equally distributed) masks than an un-checkpointed run; with no
 * dropout the two are identical.
 *
 * The recorded forwards ("tapes") are kept per thread, as autograd's graph is, so that every
 * objective (SFT, DPO, reward, GRPO, PPO, a user's) works without changes: the TrainLoop calls
 * backwardPending() right after its backward of the loss and discardPending() when the micro-batch
 * ends. A hand-written loop does the same.
 *
 * Simplified against PyTorch: checkpoints every layer (no selective policy); forwards with
 * training=false (a reference model under LoRA) are not checkpointed.
 */
package ai.fairl.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.fairl.model.LayerHook;
import ai.fairl.model.TransformerModel;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * The per-layer hook that checkpoints a model's decoder layers, and the backward that completes it.
 */
public final class GradientCheckpointing implements LayerHook {
  private static final ThreadLocal<Deque<Tape>> PENDING = ThreadLocal.withInitial(ArrayDeque::new);

  private final int numLayers;
  private final NDArray embeddings; // (vocab, hidden), the model's embedding weight
  private final boolean recompute;
  private Tape recording;
  private long plainSeed;

  private GradientCheckpointing(TransformerModel model, boolean recompute) {
    this.numLayers = model.numLayers();
    this.embeddings = model.parameters().get("model.embed_tokens.weight");
    this.recompute = recompute;
  }

  /** Installs checkpointing on every decoder layer of {@code model} (replacing its layer hook). */
  public static GradientCheckpointing enable(TransformerModel model) {
    GradientCheckpointing h = new GradientCheckpointing(model, true);
    model.setLayerHook(h);
    return h;
  }

  /**
   * The same per-layer seeding without checkpointing: the reference that shows the recompute draws
   * the forward's dropout masks (tests).
   */
  static GradientCheckpointing seedingOnly(TransformerModel model) {
    GradientCheckpointing h = new GradientCheckpointing(model, false);
    model.setLayerHook(h);
    return h;
  }

  /** Restores plain layers (every activation kept for the backward). */
  public static void disable(TransformerModel model) {
    model.setLayerHook(LayerHook.direct());
  }

  @Override
  public NDArray run(int layerIndex, NDArray hidden, UnaryOperator<NDArray> block) {
    return run(layerIndex, hidden, block, false);
  }

  @Override
  public NDArray run(
      int layerIndex, NDArray hidden, UnaryOperator<NDArray> block, boolean training) {
    if (!training || !JniUtils.isGradMode()) {
      return block.apply(hidden); // inference, evaluation, a frozen reference: nothing to save
    }
    if (!recompute) {
      if (layerIndex == 0) {
        plainSeed = drawSeed(hidden);
      }
      seed(plainSeed, layerIndex);
      return block.apply(hidden);
    }
    if (layerIndex == 0) {
      recording = new Tape(hidden, drawSeed(hidden), embeddings.hasGradient());
      Deque<Tape> pending = PENDING.get();
      pending.removeIf(Tape::released); // forwards of closed micro-batches nobody finished
      pending.push(recording);
    } else if (recording == null || recording.blocks.size() != layerIndex) {
      throw new IllegalStateException(
          "gradient checkpointing: layer "
              + layerIndex
              + " ran out of order (the model must run its layers 0.."
              + (numLayers - 1)
              + " in turn)");
    }
    Tape tape = recording;
    // (batch, seq, hidden), no graph; a later layer's input is already the detached output before
    NDArray input = layerIndex == 0 ? hidden.stopGradient() : hidden;
    NDArray out;
    seed(tape.seed, layerIndex);
    JniUtils.setGradMode(false);
    // the layer works in a scratch manager and scope: whatever it makes (also what it attaches to
    // its input's manager, such as cast weights) is freed when it returns, except its output
    try (NDManager scratch = tape.home.newSubManager();
        NDScope scope = new NDScope()) {
      NDArray x = input.stopGradient();
      x.attach(scratch);
      out = block.apply(x);
      out.attach(tape.home);
      NDScope.unregister(out);
    } finally {
      JniUtils.setGradMode(true);
    }
    tape.inputs.add(input);
    tape.blocks.add(block);
    if (layerIndex == numLayers - 1) {
      out.setRequiresGradient(true); // a leaf: the head and the loss build their graph on it
      tape.output = out;
      recording = null;
    }
    return out;
  }

  /**
   * Completes the backward pass of every checkpointed forward recorded on this thread since the
   * last call: recomputes each layer (last to first) and back-propagates through it. Call right
   * after the backward of the loss, inside the same gradient collector. A forward whose output got
   * no gradient (its result did not reach the loss) is dropped without recompute.
   */
  public static void backwardPending() {
    Deque<Tape> pending = PENDING.get();
    while (!pending.isEmpty()) {
      Tape t = pending.pop();
      if (t.output == null) {
        throw new IllegalStateException(
            "gradient checkpointing: a forward stopped after layer "
                + (t.blocks.size() - 1)
                + "; the backward needs every layer's output");
      }
      t.backward();
    }
  }

  /** Drops this thread's recorded forwards without a backward (a skipped or failed step). */
  public static void discardPending() {
    Deque<Tape> pending = PENDING.get();
    while (!pending.isEmpty()) {
      pending.pop().close();
    }
  }

  /** Recorded forwards waiting for {@link #backwardPending} on this thread (tests). */
  static int pendingCount() {
    return PENDING.get().size();
  }

  private static long drawSeed(NDArray like) {
    try (NDArray r =
        like.getManager().randomInteger(0, Integer.MAX_VALUE, new Shape(), DataType.INT64)) {
      return r.getLong();
    }
  }

  private static void seed(long base, int layer) {
    Engine.getInstance().setRandomSeed((int) ((base + 7919L * layer) & 0x7fffffff));
  }

  /** One checkpointed forward: each layer's input and body, and the last layer's output leaf. */
  private static final class Tape {
    final NDArray embedded; // the first layer's input as produced, with its graph (embeddings)
    final NDManager home; // the forward's manager: saved inputs and the output live there
    final long seed;
    final boolean embeddingsTrain; // the first layer's input has a graph into the embeddings
    final List<NDArray> inputs = new ArrayList<>();
    final List<UnaryOperator<NDArray>> blocks = new ArrayList<>();
    NDArray output;

    Tape(NDArray embedded, long seed, boolean embeddingsTrain) {
      this.embedded = embedded;
      this.embeddingsTrain = embeddingsTrain;
      this.home = embedded.getManager();
      this.seed = seed;
    }

    boolean released() {
      return embedded.isReleased();
    }

    void backward() {
      try {
        NDArray grad = gradientOf(output); // (batch, seq, hidden) dLoss/dOutput, or null
        for (int i = blocks.size() - 1; i >= 0 && grad != null; i--) {
          NDArray gradIn;
          try (NDManager scratch = home.newSubManager();
              NDScope scope = new NDScope()) {
            NDArray x = inputs.get(i).stopGradient();
            x.attach(scratch);
            x.setRequiresGradient(true);
            seed(seed, i);
            NDArray y = blocks.get(i).apply(x); // recomputed with grad mode on
            if (y.getDataType() != grad.getDataType()) {
              throw new IllegalStateException(
                  "gradient checkpointing: layer "
                      + i
                      + " recomputed as "
                      + y.getDataType()
                      + " but its gradient is "
                      + grad.getDataType());
            }
            JniUtils.backward((PtNDArray) y, (PtNDArray) grad, false, false);
            gradIn = gradientOf(x);
            if (gradIn != null) {
              gradIn.attach(home);
              NDScope.unregister(gradIn);
            }
          }
          grad.close();
          inputs.get(i).close();
          grad = gradIn;
        }
        // DJL's hasGradient() is false for a non-leaf such as the looked-up embeddings (and asking
        // a tensor without a graph for its grad function crashes), so ask the embedding weight
        if (grad != null && embeddingsTrain) {
          JniUtils.backward((PtNDArray) embedded, (PtNDArray) grad, false, false);
        }
        if (grad != null) {
          grad.close();
        }
      } finally {
        close();
      }
    }

    /**
     * {@code a}'s gradient (its own handle on the storage, so it outlives {@code a}), or null if
     * none reached it.
     */
    private static NDArray gradientOf(NDArray a) {
      return JniUtils.getGradient((PtNDArray) a);
    }

    void close() {
      inputs.forEach(NDArray::close);
      inputs.clear();
      blocks.clear();
      if (output != null) {
        output.close();
      }
    }
  }
}
