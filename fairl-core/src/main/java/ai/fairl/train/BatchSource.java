package ai.fairl.train;

import ai.djl.ndarray.NDManager;

/**
 * Where the loop's micro-batches come from: a dataset (SFT, CPT, DPO, reward modelling) or rollouts
 * generated from the current policy (GRPO, GSPO, PPO).
 *
 * <p>The loop calls {@link #next} once per micro-batch, always from the training thread. A source
 * is deterministic given its seed and position, so that a resumed run sees exactly the batches the
 * uninterrupted run would have seen: {@link #position} is saved in every checkpoint and handed back
 * to {@link #seek} on resume.
 *
 * @param <B> the batch type its {@link Objective} consumes
 */
public interface BatchSource<B extends Batch> {

  /**
   * Micro-batches in one pass over the data, used to turn {@code num_train_epochs} into steps and
   * to report the epoch. Return {@code -1} for an unbounded source (rollouts); such a run needs
   * {@code max_steps}.
   */
  long microBatchesPerEpoch();

  /**
   * The next micro-batch. A data source wraps around at the end of an epoch, reshuffling with
   * {@code seed + epoch} where it shuffles. NDArrays the batch holds must be created in {@code
   * scope}; the loop closes the scope after the optimizer step that used the batch.
   */
  B next(NDManager scope);

  /** An opaque, JSON-safe description of where the source is (e.g. {@code "epoch=1,index=17"}). */
  String position();

  /** Moves to a position returned earlier by {@link #position} (resume). */
  void seek(String position);

  /**
   * This rank's share of the source in a data-parallel job of {@code worldSize} ranks, each rank
   * holding an identically seeded copy. By default the micro-batches are dealt round-robin (rank r
   * takes r, r + W, ...), so the ranks together see what one process would; a source that can deal
   * its work more cheaply (rollouts: each rank generates from its own prompts) overrides this.
   */
  default BatchSource<B> shard(int rank, int worldSize) {
    return worldSize == 1 ? this : new ShardedSource<>(this, rank, worldSize);
  }
}
