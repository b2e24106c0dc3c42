package ai.fairl.train;

import ai.djl.ndarray.NDArray;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * The part of a model the optimizer changes: all weights under full fine-tuning, the LoRA matrices
 * under LoRA/QLoRA, the score head and backbone for a reward model. Also knows how to write itself
 * as a Hugging Face folder (weights) or a PEFT adapter folder, and read that back.
 */
public interface Trainable {

  /**
   * The tensors the optimizer updates, by stable name (insertion order is the optimizer's order).
   * Each is fp32 with a gradient attached ({@code setRequiresGradient(true)}); these are the master
   * weights even when the forward pass computes in bf16.
   */
  Map<String, NDArray> parameters();

  /** Writes the model (or the adapter) to {@code dir}, which exists and is empty. */
  void save(Path dir) throws IOException;

  /** Loads what {@link #save} wrote into the live parameters (resume from a checkpoint). */
  void load(Path dir) throws IOException;
}
