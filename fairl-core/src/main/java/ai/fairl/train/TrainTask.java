package ai.fairl.train;

/**
 * Everything algorithm-specific about a run: what to optimise, what changes, and where batches come
 * from.
 *
 * @param objective the loss
 * @param trainable the parameters the optimizer updates, and how to save them
 * @param train training micro-batches
 * @param eval held-out micro-batches for eval loss, or null
 * @param <B> the batch type shared by objective and sources
 */
public record TrainTask<B extends Batch>(
    Objective<B> objective, Trainable trainable, BatchSource<B> train, BatchSource<B> eval) {
  public TrainTask {
    if (objective == null || trainable == null || train == null) {
      throw new IllegalArgumentException(
          "a TrainTask needs an objective, a trainable and a source");
    }
  }
}
