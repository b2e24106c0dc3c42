package ai.fairl.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.types.Shape;
import ai.fairl.model.Models;
import ai.fairl.model.TransformerConfig;
import ai.fairl.model.TransformerModel;
import ai.fairl.recipe.RunOptions;
import ai.fairl.recipe.TrainingRecipe;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code fai-rl-train --debug}: parameter counts, dtypes and devices, per-step grad norm and
 * memory.
 */
class DebugListenerTest {
  private static final RunOptions DEBUG =
      new RunOptions("cpu", 1, 1, 0, "127.0.0.1", 29500, true, null, null);

  private static String train(TrainingRecipe r) throws Exception {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    Training.run(
        r, DEBUG, List.of(), new StopSignal(), new PrintStream(buf, true, StandardCharsets.UTF_8));
    return buf.toString(StandardCharsets.UTF_8);
  }

  /** Every element of the tiny Llama by hand: embeddings, 2 layers, final norm (tied head). */
  private static long tinyLlamaElements() {
    TransformerConfig c = Models.tinyConfig("llama");
    long n = 0;
    for (Shape s : TransformerModel.expectedShapes(c).values()) {
      n += s.size();
    }
    return n;
  }

  @Test
  void fullFineTuneDebugShowsEveryWeightTrainableAndTheFirstStepsGradNormAndMemory(
      @TempDir Path dir) throws Exception {
    Path out = dir.resolve("sft");
    String console =
        train(
            TrainingRunTest.recipe(
                "recipes/training/sft/tiny_sft.yaml",
                out,
                "training.max_steps=7",
                "training.save_steps=100",
                "training.eval_split=0"));
    long total = tinyLlamaElements();
    String counts =
        String.format(Locale.ROOT, "%,d trainable of %,d total (100.00%%)", total, total);
    assertTrue(console.contains("debug: parameters: " + counts), console);
    assertTrue(
        console.contains(String.format(Locale.ROOT, "debug:   %,d as float32 on cpu()", total)),
        console);
    assertTrue(console.contains("debug: first training example"), console);
    List<String> metrics = Files.readAllLines(out.resolve("metrics.jsonl"));
    for (int step = 1; step <= Training.DEBUG_STEPS; step++) {
      Matcher m =
          Pattern.compile(
                  "debug: step "
                      + step
                      + " loss \\S+ grad_norm (\\S+) lr \\S+ \\| heap [0-9.]+ MiB, rss [0-9.]+ MiB \\(peak [0-9.]+ MiB\\)")
              .matcher(console);
      assertTrue(m.find(), "step " + step + " line in:\n" + console);
      double logged =
          com.google.gson.JsonParser.parseString(metrics.get(step - 1))
              .getAsJsonObject()
              .get("grad_norm")
              .getAsDouble();
      assertEquals(
          logged,
          Double.parseDouble(m.group(1)),
          Math.abs(logged) * 1e-5,
          "grad_norm of step " + step);
    }
    assertFalse(console.contains("debug: step " + (Training.DEBUG_STEPS + 1) + " "), console);
  }

  @Test
  void loraDebugCountsOnlyTheAdaptersAsTrainable(@TempDir Path dir) throws Exception {
    String console =
        train(
            TrainingRunTest.recipe(
                "recipes/training/sft/tiny_sft.yaml",
                dir.resolve("lora"),
                "model.use_lora=true",
                "model.lora_r=4",
                "model.lora_target_modules=[q_proj, v_proj]",
                "training.max_steps=1",
                "training.save_steps=100",
                "training.eval_split=0"));
    TransformerConfig c = Models.tinyConfig("llama");
    long h = c.hiddenSize();
    long kv = (long) c.numKvHeads() * c.headDim();
    long q = (long) c.numHeads() * c.headDim();
    // per layer: q_proj A (4 x h) + B (q x 4), v_proj A (4 x h) + B (kv x 4)
    long adapters = c.numLayers() * (4 * h + q * 4 + 4 * h + kv * 4);
    long total = tinyLlamaElements() + adapters;
    assertTrue(
        console.contains(
            String.format(
                Locale.ROOT, "debug: parameters: %,d trainable of %,d total", adapters, total)),
        console);
    assertTrue(
        console.contains(String.format(Locale.ROOT, "debug:   %,d in adapters", adapters)),
        console);
    assertTrue(console.contains("debug: step 1 loss"), console);
  }
}
