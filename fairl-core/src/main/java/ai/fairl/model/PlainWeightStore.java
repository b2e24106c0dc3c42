package ai.fairl.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/**
 * A dense weight kept as is, (out_features, in_features). {@link #dense} returns the array itself
 * when the dtype matches, so gradients flow into it; a different compute dtype gives a cast copy
 * owned by the caller's scope.
 */
public final class PlainWeightStore implements WeightStore {
  private final NDArray weight;

  public PlainWeightStore(NDArray weight) {
    if (weight.getShape().dimension() != 2) {
      throw new IllegalArgumentException(
          "a Linear weight must be 2-D (out_features, in_features), got " + weight.getShape());
    }
    this.weight = weight;
  }

  /** The stored weight itself (not a copy). */
  public NDArray weight() {
    return weight;
  }

  @Override
  public NDArray dense(DataType computeType) {
    return weight.getDataType() == computeType ? weight : weight.toType(computeType, false);
  }

  @Override
  public long storageBytes() {
    return weight.size() * weight.getDataType().getNumOfBytes();
  }

  @Override
  public void close() {
    weight.close();
  }
}
