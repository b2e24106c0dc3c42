package ai.fairl.recipe;

/**
 * A resolved, validated recipe: training ({@code model}, {@code data}, {@code training}, ...),
 * inference ({@code inference:}) or evaluation ({@code evaluation:}), as in FAI-RL. Load one with
 * {@link Recipes}.
 */
public sealed interface Recipe permits TrainingRecipe, InferenceRecipe, EvaluationRecipe {

  /** {@code training}, {@code inference} or {@code evaluation}. */
  String kind();
}
