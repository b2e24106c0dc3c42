package ai.fairl.eval;

import java.util.List;

/**
 * A local model scoring continuations, for log-likelihood evaluation (the lm-evaluation-harness
 * way): for each continuation, the sum over its tokens of log p(token | context, earlier tokens).
 */
public interface ChoiceScorer extends AutoCloseable {
  String name();

  double[] logLikelihoods(String context, List<String> continuations);

  @Override
  default void close() {}
}
