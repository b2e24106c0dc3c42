package ai.fairl.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/**
 * How a frozen projection weight is stored: plainly, or quantised (NF4, FP4, int8). A {@link
 * Linear} asks its store for a dense weight in the compute dtype just before the matmul.
 */
public interface WeightStore extends AutoCloseable {
  /** The dense weight, (out_features, in_features), in {@code computeType}. */
  NDArray dense(DataType computeType);

  /** Bytes this store keeps on its device. */
  long storageBytes();

  @Override
  void close();
}
