package ai.fairl.train;

import ai.djl.ndarray.NDManager;

/**
 * Rank {@code rank}'s share of a source in a data-parallel job of {@code worldSize} ranks: the
 * underlying (identically seeded) source's micro-batches are dealt round-robin, rank r taking
 * numbers r, r + W, r + 2W, ... So one optimizer step of W ranks with G accumulation steps each
 * covers exactly the micro-batches one process with G x W accumulation steps would: the global
 * batch is per_device_train_batch_size x gradient_accumulation_steps x world size.
 *
 * <p>After each {@link #next} every rank's underlying source stands at the same position, so {@link
 * #position} is the underlying one and a checkpoint resumes with any rank's.
 *
 * <p>Simplified: the other ranks' micro-batches are drawn and dropped (cheap for data: collation
 * only).
 */
final class ShardedSource<B extends Batch> implements BatchSource<B> {
  private final BatchSource<B> inner;
  private final int rank;
  private final int worldSize;

  ShardedSource(BatchSource<B> inner, int rank, int worldSize) {
    if (worldSize < 1 || rank < 0 || rank >= worldSize) {
      throw new IllegalArgumentException(
          "rank must be in [0, world size), got " + rank + " of " + worldSize);
    }
    this.inner = inner;
    this.rank = rank;
    this.worldSize = worldSize;
  }

  @Override
  public long microBatchesPerEpoch() {
    long n = inner.microBatchesPerEpoch();
    if (n < 0) {
      return n;
    }
    if (n > 0 && n < worldSize) {
      throw new IllegalArgumentException(
          "the training data has "
              + n
              + " micro-batch(es) per epoch, fewer than the "
              + worldSize
              + " ranks; add data, lower per_device_train_batch_size or use fewer GPUs");
    }
    return n / worldSize;
  }

  @Override
  public B next(NDManager scope) {
    for (int r = 0; r < rank; r++) {
      drop();
    }
    B mine = inner.next(scope);
    for (int r = rank + 1; r < worldSize; r++) {
      drop();
    }
    return mine;
  }

  private void drop() {
    try (NDManager m = NDManager.newBaseManager()) {
      inner.next(m);
    }
  }

  @Override
  public String position() {
    return inner.position();
  }

  @Override
  public void seek(String position) {
    inner.seek(position);
  }
}
