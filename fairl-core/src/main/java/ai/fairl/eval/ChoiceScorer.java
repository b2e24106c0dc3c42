package ai.fairl.eval;

import java.util.ArrayList;
import java.util.List;

/**
 * A local model scoring continuations, for log-likelihood evaluation (the lm-evaluation-harness
 * way): for each continuation, the sum over its tokens of log p(token | context, earlier tokens).
 */
public interface ChoiceScorer extends AutoCloseable {
  String name();

  double[] logLikelihoods(String context, List<String> continuations);

  /**
   * Several questions at once, one result per context; implementations batch them into fewer
   * forward passes.
   */
  default List<double[]> logLikelihoods(List<String> contexts, List<List<String>> continuations) {
    List<double[]> out = new ArrayList<>();
    for (int i = 0; i < contexts.size(); i++) {
      out.add(logLikelihoods(contexts.get(i), continuations.get(i)));
    }
    return out;
  }

  /** How many questions {@link #logLikelihoods(List, List)} should get at a time. */
  default int batchSize() {
    return 1;
  }

  @Override
  default void close() {}
}
