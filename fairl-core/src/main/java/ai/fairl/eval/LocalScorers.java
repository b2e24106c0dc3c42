package ai.fairl.eval;

import ai.fairl.recipe.RunOptions;

/** Opens local models as log-likelihood scorers. */
public final class LocalScorers {
  private LocalScorers() {}

  public static ScorerLoader loader(RunOptions options) {
    return pathOrId -> {
      throw new IllegalStateException(
          "local model "
              + pathOrId
              + ": log-likelihood scoring needs the local model engine (ai.fairl.model), not in"
              + " this build yet");
    };
  }
}
