package ai.fairl.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import java.util.function.BinaryOperator;

/**
 * Tensor-by-number arithmetic that is safe under autograd on the CPU.
 *
 * <p>DJL's {@code NDArray.mul(Number)} (and {@code div}, {@code pow}, {@code maximum}, {@code
 * minimum}) wraps the number in a scalar tensor made with {@code torch::from_blob} over a Java
 * direct buffer, runs the op and closes the scalar at once. On the CPU that tensor does not own its
 * memory: autograd keeps it for the backward pass (the gradient of {@code x * s} needs {@code s}),
 * but the Java buffer behind it may be collected and reused before the backward runs. The backward
 * then reads garbage and returns NaN or Inf gradients now and then, depending on the garbage
 * collector (seen as rare "gradient norm is Infinity" steps in SFT, LoRA, PPO and GRPO runs). On a
 * GPU the scalar is copied to the device, so the hazard is the CPU's only.
 *
 * <p>These versions make the scalar with {@code torch::full}, which libtorch allocates and
 * reference-counts, so autograd holds on to it as long as it needs. Use them for every
 * tensor-by-number multiply, divide, power, maximum and minimum; {@code ScalarOpsSourceTest} fails
 * the build on a literal or cast number passed to DJL's own versions.
 */
public final class Scalars {
  private Scalars() {}

  /** A 0-d tensor holding {@code value} in {@code like}'s dtype, on {@code like}'s device. */
  public static NDArray of(NDArray like, double value) {
    return like.getManager().full(new Shape(), (float) value, like.getDataType());
  }

  private static NDArray with(NDArray x, double value, BinaryOperator<NDArray> op) {
    try (NDArray s = of(x, value)) {
      return op.apply(x, s); // the op's result holds its own reference to the scalar's storage
    }
  }

  /** {@code x * value}. */
  public static NDArray mul(NDArray x, double value) {
    return with(x, value, NDArray::mul);
  }

  /** {@code x / value}. */
  public static NDArray div(NDArray x, double value) {
    return with(x, value, NDArray::div);
  }

  /** {@code x ^ value}. */
  public static NDArray pow(NDArray x, double value) {
    return with(x, value, NDArray::pow);
  }

  /** Element-wise {@code max(x, value)}. */
  public static NDArray maximum(NDArray x, double value) {
    return with(x, value, NDArray::maximum);
  }

  /** Element-wise {@code min(x, value)}. */
  public static NDArray minimum(NDArray x, double value) {
    return with(x, value, NDArray::minimum);
  }
}
