package ai.fairl.eval;

import ai.fairl.recipe.RunOptions;

/** Opens local models as log-likelihood scorers. */
public final class LocalScorers {
  private LocalScorers() {}

  public static ScorerLoader loader(RunOptions options, long seed) {
    return pathOrId -> LocalScorer.open(pathOrId, seed);
  }
}
