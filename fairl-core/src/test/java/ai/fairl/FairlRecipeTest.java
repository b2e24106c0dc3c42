package ai.fairl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.fairl.recipe.InferenceRecipe;
import ai.fairl.recipe.RecipeException;
import ai.fairl.recipe.TrainingRecipe;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The facade's recipe methods, as a notebook calls them. */
class FairlRecipeTest {
  static final Path ROOT = Path.of(System.getProperty("fairl.root"));

  @Test
  void loadsAnyKindWithOverrides() {
    var r = Fairl.recipe(ROOT.resolve("recipes/training/dpo/tiny_dpo.yaml"), "training.beta=0.2");
    TrainingRecipe t = (TrainingRecipe) r.recipe();
    assertEquals(0.2, t.training().beta());
    assertTrue(r.render().contains("beta: 0.2"));
    assertTrue(
        Fairl.recipe(ROOT.resolve("recipes/inference/tiny_local.yaml").toString()).recipe()
            instanceof InferenceRecipe);
  }

  @Test
  void trainingRecipeRefusesOtherKinds() {
    RecipeException e =
        assertThrows(
            RecipeException.class,
            () -> Fairl.trainingRecipe(ROOT.resolve("recipes/inference/tiny_local.yaml")));
    assertTrue(e.getMessage().contains("this is an inference recipe"), e.getMessage());
  }

  @Test
  void recipeFromNotebookText() {
    var r =
        Fairl.recipeFromText(
            "inference: {model: tiny:llama, system_prompt: '{prompt}'}",
            "cell 3",
            "inference.max_new_tokens=8");
    assertEquals(8, ((InferenceRecipe) r.recipe()).inference().maxNewTokens());
    RecipeException e =
        assertThrows(
            RecipeException.class,
            () -> Fairl.recipeFromText("inference:\n  modle: x\n", "cell 4"));
    assertEquals("cell 4:2", e.where());
  }

  @Test
  void versionIsKnown() {
    assertTrue(!Fairl.version().isBlank());
  }
}
