package ai.fairl.train;

/**
 * One micro-batch as an {@link Objective} consumes it. What it holds is the objective's business
 * (token ids and masks for SFT, chosen/rejected pairs for DPO, rollouts for GRPO); the loop only
 * needs two counts from it.
 *
 * <p>Gradient accumulation is exact because the loop normalises by the whole optimizer step: it
 * takes the {@link #lossItems} of every micro-batch in the step, adds them up to {@code N}, and
 * back-propagates each micro-batch's summed loss divided by {@code N}. So {@code k} micro-batches
 * of one row give the same update as one batch of {@code k} rows (TRL's {@code
 * num_items_in_batch}).
 */
public interface Batch {
  /**
   * How many items this batch's {@link Objective.Loss#sum} adds up: label tokens for SFT and CPT,
   * pairs for DPO and reward modelling, completion tokens or sequences for GRPO (by loss type).
   */
  long lossItems();

  /** Tokens the model processes for this batch (all sequences, padding excluded), for tokens/s. */
  long tokens();
}
