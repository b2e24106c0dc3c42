package ai.fairl.model.lora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.fairl.model.WeightStore;

/**
 * A frozen weight in 8 bits ({@code load_in_8bit}): row-wise (per output feature) symmetric absmax
 * quantisation to int8, one fp32 scale per row.
 *
 * <p>Simplified against bitsandbytes' LLM.int8(): no mixed-precision decomposition of outlier
 * feature columns; the matmul dequantises the weight to the compute dtype first. Rounding error per
 * value is at most half a step, {@code absmax_row / 254}.
 */
public final class Int8WeightStore implements WeightStore {
  private final NDManager manager;
  private final NDArray q; // (out, in) int8
  private final NDArray scale; // (out, 1) fp32

  private Int8WeightStore(NDManager manager, NDArray q, NDArray scale) {
    this.manager = manager;
    this.q = q;
    this.scale = scale;
  }

  /** Quantises a (out_features, in_features) weight; the caller still owns {@code weight}. */
  public static Int8WeightStore quantize(NDArray weight) {
    Shape shape = weight.getShape();
    if (shape.dimension() != 2) {
      throw new IllegalArgumentException("int8 weights must be 2-D, got " + shape);
    }
    int rows = (int) shape.get(0);
    int cols = (int) shape.get(1);
    float[] w = weight.toType(DataType.FLOAT32, false).toFloatArray();
    byte[] codes = new byte[w.length];
    float[] scales = new float[rows];
    for (int r = 0; r < rows; r++) {
      float m = 0;
      for (int c = 0; c < cols; c++) {
        m = Math.max(m, Math.abs(w[r * cols + c]));
      }
      scales[r] = m / 127f;
      for (int c = 0; c < cols; c++) {
        int v = scales[r] == 0 ? 0 : Math.round(w[r * cols + c] / scales[r]);
        codes[r * cols + c] = (byte) Math.max(-127, Math.min(127, v));
      }
    }
    NDManager manager = NDManager.newBaseManager(weight.getDevice());
    return new Int8WeightStore(
        manager, manager.create(codes, shape), manager.create(scales, new Shape(rows, 1)));
  }

  @Override
  public NDArray dense(DataType computeType) {
    NDArray w = q.toType(DataType.FLOAT32, false).mul(scale); // (out, in)
    return computeType == DataType.FLOAT32 ? w : w.toType(computeType, false);
  }

  @Override
  public long storageBytes() {
    return q.size() + scale.size() * 4;
  }

  /** Storage bytes for a (rows, cols) weight, without building it. */
  public static long storageBytes(long rows, long cols) {
    return rows * cols + rows * 4;
  }

  @Override
  public void close() {
    manager.close();
  }
}
