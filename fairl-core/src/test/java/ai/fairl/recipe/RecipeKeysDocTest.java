package ai.fairl.recipe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** docs/recipe-keys.md is generated from the records and committed; it must be current. */
class RecipeKeysDocTest {

  @Test
  void committedReferenceMatchesTheRecords() throws IOException {
    Path doc = Path.of(System.getProperty("fairl.root"), "docs", "recipe-keys.md");
    String expected = RecipeKeys.markdown();
    if (Boolean.getBoolean("fairl.docs.update")) {
      RecipeKeys.main(new String[] {doc.toString()});
    }
    assertTrue(
        Files.exists(doc), "missing " + doc + "; run this test with -Dfairl.docs.update=true");
    assertEquals(
        expected,
        Files.readString(doc),
        "docs/recipe-keys.md is stale; run this test with -Dfairl.docs.update=true");
  }

  @Test
  void everyRecordComponentIsAnnotated() {
    for (Class<?> c :
        new Class<?>[] {
          TrainingRecipe.class,
          Model.class,
          Data.class,
          DatasetSpec.class,
          Training.class,
          Wandb.class,
          S3.class,
          RewardApi.class,
          LocalRewardFunction.class,
          InferenceRecipe.class,
          Inference.class,
          EvaluationRecipe.class,
          Evaluation.class
        }) {
      for (RecordComponent rc : c.getRecordComponents()) {
        assertTrue(rc.isAnnotationPresent(Key.class), c.getSimpleName() + "." + rc.getName());
      }
    }
  }

  @Test
  void pythonStyleNumbersInMessages() {
    assertEquals("-1e-05", Check.num(-1e-5));
    assertEquals("0.0001", Check.num(1e-4));
    assertEquals("0.0003", Check.num(3e-4));
    assertEquals("3.0", Check.num(3));
    assertEquals("2.5e+16", Check.num(2.5e16));
  }
}
