package ai.fairl.eval;

import ai.fairl.recipe.RunOptions;

/** Opens local models as log-likelihood scorers. */
public final class LocalScorers {
  private LocalScorers() {}

  /** Scorers that take {@code batchSize} questions per forward pass. */
  public static ScorerLoader loader(RunOptions options, long seed, int batchSize) {
    return pathOrId -> LocalScorer.open(pathOrId, seed, batchSize);
  }
}
