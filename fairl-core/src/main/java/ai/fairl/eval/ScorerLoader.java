package ai.fairl.eval;

/** Opens a local model (path or Hub id) as a {@link ChoiceScorer}. */
@FunctionalInterface
public interface ScorerLoader {
  ChoiceScorer open(String pathOrId);
}
