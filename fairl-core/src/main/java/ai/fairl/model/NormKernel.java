package ai.fairl.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/** RMSNorm, replaceable by a fused kernel ({@link TransformerModel#setNormKernel}). */
@FunctionalInterface
public interface NormKernel {
  /**
   * @param x (..., dim)
   * @param weight (dim)
   * @param eps added to the mean square
   * @return (..., dim) in x's dtype: {@code weight * x / sqrt(mean(x^2) + eps)}, computed in fp32
   */
  NDArray rmsNorm(NDArray x, NDArray weight, float eps);

  /** The composite default, in fp32 like Hugging Face's LlamaRMSNorm. */
  static NormKernel composite() {
    return (x, weight, eps) -> {
      DataType dt = x.getDataType();
      NDArray xf = dt == DataType.FLOAT32 ? x : x.toType(DataType.FLOAT32, false);
      NDArray var = xf.square().mean(new int[] {-1}, true); // (..., 1)
      // eps as a device tensor (torch::full), not add(Number): DJL copies a Number from host
      // memory,
      // which a CUDA graph capture of the decode step cannot contain
      NDArray normed = xf.div(var.add(ai.fairl.engine.Scalars.of(var, eps)).sqrt());
      NDArray back = dt == DataType.FLOAT32 ? normed : normed.toType(dt, false);
      return back.mul(weight);
    };
  }
}
