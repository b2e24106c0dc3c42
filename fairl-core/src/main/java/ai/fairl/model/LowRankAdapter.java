package ai.fairl.model;

import ai.djl.ndarray.NDArray;

/**
 * A {@link LinearAdapter} of the form {@code y + scaling * (x A^T) B^T} (LoRA), which the fused
 * decoder layer ({@link TransformerModel#setFusedLayers}) can run inside its own native call.
 */
public interface LowRankAdapter extends LinearAdapter {
  /** A (r, in_features). */
  NDArray a();

  /** B (out_features, r). */
  NDArray b();

  /** The factor on the low-rank product (LoRA: alpha / r). */
  double scaling();

  /**
   * Whether {@link #apply} computes exactly {@code y + scaling * (x A^T) B^T} in this mode (false,
   * e.g., while dropout applies in training); only then may the fused layer run it.
   */
  boolean plainLowRank(boolean training);
}
