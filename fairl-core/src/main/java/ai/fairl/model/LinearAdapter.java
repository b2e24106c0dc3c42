package ai.fairl.model;

import ai.djl.ndarray.NDArray;
import java.util.Map;

/**
 * Something added to a {@link Linear} projection's output: a LoRA adapter, for example. The model
 * calls {@link #apply} after the base projection whenever the adapter is enabled.
 */
public interface LinearAdapter {
  /**
   * Returns the adapted output.
   *
   * @param input the projection's input, (batch, seq, in_features)
   * @param baseOutput the frozen base projection's output, (batch, seq, out_features)
   * @param training whether dropout and similar train-time behaviour apply
   */
  NDArray apply(NDArray input, NDArray baseOutput, boolean training);

  /** Trainable tensors by their name suffix under the module (e.g. {@code lora_A.weight}). */
  Map<String, NDArray> trainableParameters();
}
