package ai.fairl.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.fairl.recipe.Recipes;
import ai.fairl.recipe.RunOptions;
import ai.fairl.recipe.TrainingRecipe;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Training.run paths beyond the shipped recipes: LoRA DPO, QLoRA, resume, adapter continue. */
class TrainingRunTest {
  static TrainingRecipe recipe(String file, Path out, String... more) {
    List<String> o = new ArrayList<>(List.of("training.output_dir=" + out, "wandb.enabled=false"));
    o.addAll(List.of(more));
    return Recipes.training(TinyRecipesTest.root().resolve(file), o).recipe();
  }

  static TrainResult run(TrainingRecipe r, List<TrainListener> extra, StopSignal stop)
      throws Exception {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    try {
      return Training.run(
          r, RunOptions.cpu(), extra, stop, new PrintStream(buf, true, StandardCharsets.UTF_8));
    } catch (Exception | AssertionError e) {
      System.err.println(buf.toString(StandardCharsets.UTF_8));
      throw e;
    }
  }

  @Test
  void resumedRecipeRunContinuesTheSameLosses(@TempDir Path dir) throws Exception {
    String[] keys = {"training.max_steps=4", "training.save_steps=2", "training.eval_split=0"};
    List<Double> full =
        run(recipe("recipes/training/sft/tiny_sft.yaml", dir.resolve("a"), keys), List.of(), null)
            .losses();
    Path out = dir.resolve("b");
    StopSignal stop = new StopSignal();
    TrainListener stopAt2 =
        new TrainListener() {
          @Override
          public void onStep(int step, double epoch, Map<String, Double> m) {
            if (step == 2) {
              stop.request("test");
            }
          }
        };
    TrainResult first =
        run(recipe("recipes/training/sft/tiny_sft.yaml", out, keys), List.of(stopAt2), stop);
    assertEquals("stopped", first.reason());
    List<String> resumeKeys = new ArrayList<>(List.of(keys));
    resumeKeys.add("training.resume_from_checkpoint=latest");
    TrainResult second =
        run(
            recipe("recipes/training/sft/tiny_sft.yaml", out, resumeKeys.toArray(String[]::new)),
            List.of(),
            new StopSignal());
    assertEquals(full, second.losses(), "resumed losses equal the uninterrupted run's");
    List<Integer> logged =
        Files.readAllLines(out.resolve("metrics.jsonl")).stream()
            .map(
                l ->
                    com.google.gson.JsonParser.parseString(l)
                        .getAsJsonObject()
                        .get("step")
                        .getAsInt())
            .toList();
    assertEquals(List.of(1, 2, 3, 4), logged, "metrics.jsonl continues without duplicates");
    String state = Files.readString(out.resolve("checkpoint-2/trainer_state.json"));
    assertTrue(state.contains("\"global_step\": 2") && state.contains("data_position"), state);
    String saved = Files.readString(out.resolve("checkpoint-2/recipe.json"));
    assertTrue(saved.contains("\"algorithm\": \"sft\""), saved);
  }

  @Test
  void loraDpoUsesTheBaseAsReferenceAndContinuesFromTheAdapter(@TempDir Path dir) throws Exception {
    Path out = dir.resolve("lora");
    TrainResult r =
        run(
            recipe(
                "recipes/training/dpo/tiny_dpo.yaml",
                out,
                "training.max_steps=2",
                "model.use_lora=true",
                "model.lora_r=4",
                "model.lora_alpha=8",
                "model.lora_target_modules=[q_proj, v_proj]"),
            List.of(),
            null);
    assertEquals("completed", r.reason());
    // At step 1 the adapter's B is 0, so policy == reference: rho = 0 and the loss is ln 2.
    assertEquals(Math.log(2), r.losses().get(0), 1e-5);
    assertTrue(Files.isRegularFile(out.resolve("adapter_model.safetensors")));
    assertTrue(Files.readString(out.resolve("adapter_config.json")).contains("\"tiny:llama\""));
    // FAI-RL's rule: a base_model_name holding adapter_config.json continues that adapter.
    TrainResult again =
        run(
            recipe(
                "recipes/training/dpo/tiny_dpo.yaml",
                dir.resolve("again"),
                "training.max_steps=1",
                "model.base_model_name=" + out),
            List.of(),
            null);
    assertTrue(again.losses().get(0) < Math.log(2) + 0.05, "continues from trained adapter");
  }

  @Test
  void qloraSftWithPackingRuns(@TempDir Path dir) throws Exception {
    TrainResult r =
        run(
            recipe(
                "recipes/training/sft/tiny_sft.yaml",
                dir,
                "training.max_steps=2",
                "model.use_lora=true",
                "model.load_in_4bit=true",
                "training.packing=true",
                "model.lora_target_modules=[q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj]"),
            List.of(),
            null);
    assertEquals(2, r.step());
    assertTrue(Double.isFinite(r.losses().get(1)));
  }
}
