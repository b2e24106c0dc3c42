package ai.fairl.recipe;

/** An inference recipe: one top-level {@code inference:} section, as in FAI-RL. */
public record InferenceRecipe(
    @Key(required = true, doc = "What to generate from and with which model.") Inference inference)
    implements Recipe {

  public InferenceRecipe {
    Check.require(inference != null, "inference", "the inference: section is missing", "add it");
  }

  @Override
  public String kind() {
    return "inference";
  }
}
