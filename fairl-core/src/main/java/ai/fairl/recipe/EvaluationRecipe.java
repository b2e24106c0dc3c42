package ai.fairl.recipe;

/** An evaluation recipe: one top-level {@code evaluation:} section, as in FAI-RL. */
public record EvaluationRecipe(
    @Key(required = true, doc = "The benchmark and the model to evaluate.") Evaluation evaluation)
    implements Recipe {

  public EvaluationRecipe {
    Check.require(evaluation != null, "evaluation", "the evaluation: section is missing", "add it");
  }

  @Override
  public String kind() {
    return "evaluation";
  }
}
