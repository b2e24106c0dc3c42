package ai.fairl.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.Map;

/**
 * What an algorithm optimises: the loss of one micro-batch, plus the metrics it reports. SFT, CPT,
 * DPO, reward modelling, GRPO/GSPO and PPO are each one implementation; the {@link TrainLoop} owns
 * everything else (accumulation, clipping, precision, schedules, checkpoints, logging).
 *
 * <p>A user jar may implement this interface and a recipe may name the class.
 *
 * @param <B> the batch type it consumes, produced by the run's {@link BatchSource}
 */
public interface Objective<B extends Batch> {

  /**
   * Computes the loss of one micro-batch. Called inside the loop's gradient collector when {@code
   * training} is true, and without gradients for evaluation.
   *
   * @param batch the micro-batch
   * @param scope the manager for the NDArrays this call creates; the loop closes it after the
   *     backward pass (evaluation: after reading the loss)
   * @param training whether dropout applies and gradients will flow
   * @return the loss summed over {@link Batch#lossItems} items (a scalar NDArray; the loop divides
   *     by the step's total items) and this batch's metric means (TRL names, e.g. {@code
   *     rewards/chosen}); the loop averages metrics over micro-batches weighted by {@link
   *     Batch#lossItems}. Every NDArray created here is closed by the loop.
   */
  Loss loss(B batch, NDManager scope, boolean training);

  /**
   * Called after each optimizer step, for objectives that keep per-step state (a reference model
   * that syncs, an old policy for importance ratios). Default: nothing.
   */
  default void afterOptimizerStep(int step) {}

  /**
   * A micro-batch's summed loss and its metric means.
   *
   * @param sum scalar, the loss summed over the batch's {@link Batch#lossItems}
   * @param metrics metric means over this micro-batch, by TRL key; never contains {@code loss}
   */
  record Loss(NDArray sum, Map<String, Double> metrics) {
    public Loss {
      if (sum == null) {
        throw new IllegalArgumentException("Objective.Loss.sum must not be null");
      }
      if (!sum.getShape().isScalar()) {
        throw new IllegalArgumentException(
            "Objective.Loss.sum must be a scalar, got shape " + sum.getShape());
      }
      metrics = metrics == null ? Map.of() : Map.copyOf(metrics);
    }
  }
}
