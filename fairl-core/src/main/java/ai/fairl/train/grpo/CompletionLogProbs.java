package ai.fairl.train.grpo;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.fairl.engine.Scalars;

/**
 * Per-token log-probs of a completion that follows a left-padded prompt: position {@code P + j} is
 * predicted by the logits at {@code P + j − 1}. Logits are divided by the sampling temperature
 * first, as TRL does for GRPO and PPO.
 */
final class CompletionLogProbs {
  private CompletionLogProbs() {}

  /**
   * @param logits (B, P + C, V)
   * @param completionIds (B, C) int64
   * @return the temperature-scaled logits of the completion positions (B, C, V) and the chosen
   *     tokens' log-probs (B, C)
   */
  static NDArray[] of(NDArray logits, NDArray completionIds, int promptLen, double temperature) {
    long c = completionIds.getShape().get(1);
    NDArray lg =
        logits
            .get(new NDIndex(":, {}:{}, :", promptLen - 1, promptLen - 1 + c))
            .toType(DataType.FLOAT32, false); // (B, C, V)
    if (temperature != 1.0) {
      lg = Scalars.div(lg, temperature);
    }
    NDArray logp = lg.logSoftmax(-1).gather(completionIds.expandDims(-1), -1).squeeze(-1); // (B, C)
    return new NDArray[] {lg, logp};
  }
}
