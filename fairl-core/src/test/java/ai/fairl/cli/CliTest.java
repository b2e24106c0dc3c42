package ai.fairl.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.fairl.recipe.EvaluationRecipe;
import ai.fairl.recipe.InferenceRecipe;
import ai.fairl.recipe.RunOptions;
import ai.fairl.recipe.TrainingRecipe;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The three CLIs and `fairl`: help, version, devices, output_dir, engines, exit codes. */
class CliTest {
  static final String TINY = "recipes/training/grpo/tiny_arithmetic.yaml";

  @AfterEach
  void clearEngines() {
    Engines.FORCED.clear();
  }

  static String recipe(String rel) {
    return CliRun.root().resolve(rel).toString();
  }

  @Test
  void helpEverywhere(@TempDir Path tmp) {
    for (String[] call :
        List.of(
            new String[] {"fai-rl-train", "--help"},
            new String[] {"fai-rl-inference", "--help"},
            new String[] {"fai-rl-eval", "--help"},
            new String[] {"fairl", "--help"},
            new String[] {"fairl", "train", "--help"},
            new String[] {"fairl", "inference", "--help"},
            new String[] {"fairl", "eval", "--help"},
            new String[] {"fairl", "recipe", "--help"},
            new String[] {"fairl", "recipe", "show", "--help"},
            new String[] {"fairl", "recipe", "validate", "--help"},
            new String[] {"fairl", "native", "--help"},
            new String[] {"fairl", "doctor", "--help"})) {
      String[] args = java.util.Arrays.copyOfRange(call, 1, call.length);
      CliRun r = CliRun.run(call[0], tmp, args);
      assertEquals(0, r.code, String.join(" ", call) + "\n" + r);
      assertTrue(r.out.contains("Usage:"), String.join(" ", call) + "\n" + r);
    }
  }

  @Test
  void versionNamesTheCommit(@TempDir Path tmp) {
    CliRun r = CliRun.run("fairl", tmp, "--version");
    assertEquals(0, r.code, r.toString());
    assertTrue(
        r.out.matches("(?s)FAI-RL for Java \\S+ \\(commit [0-9a-f]{7,12}(-dirty)?\\)\n.*"),
        "the build and the checkout are git: " + r.out);
  }

  @Test
  void noArgumentsIsAUsageError(@TempDir Path tmp) {
    CliRun r = CliRun.run("fairl", tmp);
    assertEquals(2, r.code, r.toString());
    assertTrue(r.err.contains("hint:"), r.err);
  }

  @Test
  void dryRunOnCpuSaysSoAndPrintsTheResolvedRecipe(@TempDir Path tmp) {
    CliRun r = CliRun.run("fai-rl-train", tmp, "--recipe", recipe(TINY), "--dry-run");
    assertEquals(0, r.code, r.toString());
    assertTrue(
        r.err.contains("notice: no GPU visible (CUDA_VISIBLE_DEVICES=); running on the CPU"),
        r.err);
    assertTrue(r.out.contains("algorithm: \"grpo\""), r.out);
    assertTrue(r.out.contains("# default (TRL)"), r.out);
    assertTrue(r.out.endsWith("# dry run: the recipe is valid; nothing was run\n"), r.out);
    assertFalse(Files.exists(tmp.resolve("outputs")), "a dry run writes nothing");
  }

  @Test
  void bf16RecipeOnCpuGetsAOneLineNotice(@TempDir Path tmp) {
    CliRun r =
        CliRun.run(
            "fai-rl-train",
            tmp,
            "--recipe",
            recipe("recipes/training/sft/llama3_3B_lora.yaml"),
            "--dry-run");
    assertEquals(0, r.code, r.toString());
    assertTrue(
        r.err.contains(
            "notice: the CPU runs in float32; training.bf16: true and model.torch_dtype: bfloat16 apply on a GPU only"),
        r.err);
  }

  @Test
  void oneVisibleGpuIsUsed(@TempDir Path tmp) {
    AtomicReference<RunOptions> seen = new AtomicReference<>();
    Engines.FORCED.put(TrainRunner.class, (TrainRunner) (rec, o) -> seen.set(o));
    CliRun r =
        CliRun.run(
            "fai-rl-train", tmp, Map.of("CUDA_VISIBLE_DEVICES", "3"), "--recipe", recipe(TINY));
    assertEquals(0, r.code, r.toString());
    assertEquals("gpu", seen.get().device());
    assertFalse(r.err.contains("CPU"), r.err);
  }

  @Test
  void trainingWritesTheRedactedRecipeThenCallsTheEngine(@TempDir Path tmp) throws IOException {
    AtomicReference<TrainingRecipe> seen = new AtomicReference<>();
    AtomicReference<RunOptions> opts = new AtomicReference<>();
    Engines.FORCED.put(
        TrainRunner.class,
        (TrainRunner)
            (rec, o) -> {
              seen.set(rec);
              opts.set(o);
              System.err.println("step 1 loss 2.5");
            });
    CliRun r =
        CliRun.run(
            "fai-rl-train",
            tmp,
            Map.of("WANDB_KEY_FOR_TEST", "canary-123"),
            "--recipe",
            recipe(TINY),
            "training.output_dir=run1",
            "wandb.api_key=${env:WANDB_KEY_FOR_TEST}");
    assertEquals(0, r.code, r.toString());
    assertNotNull(seen.get());
    assertEquals("canary-123", seen.get().wandb().apiKey(), "the engine gets the real key");
    assertEquals("cpu", opts.get().device());
    String saved = Files.readString(tmp.resolve("run1/resolved_recipe.yaml"));
    assertTrue(saved.contains("api_key: \"***\""), saved);
    assertFalse(saved.contains("canary-123"), saved);
    assertFalse(r.out.contains("canary-123") || r.err.contains("canary-123"), r.toString());
    assertEquals(tmp.resolve("run1/train.log"), opts.get().logFile());
    assertEquals("step 1 loss 2.5\n", Files.readString(tmp.resolve("run1/train.log")));
  }

  @Test
  void nonEmptyOutputDirIsNotOverwritten(@TempDir Path tmp) throws IOException {
    Engines.FORCED.put(TrainRunner.class, (TrainRunner) (rec, o) -> {});
    Files.createDirectories(tmp.resolve("run1"));
    Files.writeString(tmp.resolve("run1/model.safetensors"), "keep me");
    CliRun r =
        CliRun.run("fai-rl-train", tmp, "--recipe", recipe(TINY), "training.output_dir=run1");
    assertEquals(2, r.code, r.toString());
    assertTrue(r.err.contains("already exists and is not empty; nothing was changed"), r.err);
    assertTrue(r.err.contains("training.overwrite_output_dir=true"), r.err);
    assertEquals(
        List.of(tmp.resolve("run1/model.safetensors")), Files.list(tmp.resolve("run1")).toList());
    CliRun ok =
        CliRun.run(
            "fai-rl-train",
            tmp,
            "--recipe",
            recipe(TINY),
            "training.output_dir=run1",
            "training.overwrite_output_dir=true");
    assertEquals(0, ok.code, ok.toString());
    CliRun resume =
        CliRun.run(
            "fai-rl-train",
            tmp,
            "--recipe",
            recipe(TINY),
            "training.output_dir=run1",
            "training.resume_from_checkpoint=latest");
    assertEquals(0, resume.code, resume.toString());
  }

  @Test
  void missingEngineExitsOneAndWritesNothing(@TempDir Path tmp) {
    Engines.FORCED.put(TrainRunner.class, Engines.NONE);
    CliRun r =
        CliRun.run("fai-rl-train", tmp, "--recipe", recipe(TINY), "training.output_dir=run1");
    assertEquals(1, r.code, r.toString());
    assertTrue(r.err.contains("training engine not on the classpath"), r.err);
    assertFalse(Files.exists(tmp.resolve("run1")), "nothing written when no engine can run");
    Engines.FORCED.put(InferenceRunner.class, Engines.NONE);
    CliRun i =
        CliRun.run(
            "fai-rl-inference", tmp, "--recipe", recipe("recipes/inference/tiny_local.yaml"));
    assertEquals(1, i.code, i.toString());
    assertTrue(i.err.contains("inference engine not on the classpath"), i.err);
    Engines.FORCED.put(EvalRunner.class, Engines.NONE);
    CliRun e =
        CliRun.run(
            "fai-rl-eval", tmp, "--recipe", recipe("recipes/evaluation/gsm8k/tiny_gsm8k.yaml"));
    assertEquals(1, e.code, e.toString());
    assertTrue(e.err.contains("evaluation engine not on the classpath"), e.err);
  }

  @Test
  void runtimeFailureExitsOneWithOneLineAndDebugAddsTrace(@TempDir Path tmp) {
    Engines.FORCED.put(
        TrainRunner.class,
        (TrainRunner)
            (rec, o) -> {
              throw new IllegalStateException("out of memory on step 3\nsecond line");
            });
    CliRun r = CliRun.run("fai-rl-train", tmp, "--recipe", recipe(TINY), "training.output_dir=a");
    assertEquals(1, r.code, r.toString());
    assertEquals(
        "fai-rl-train: error: out of memory on step 3\n  hint: run again with --debug for the stack trace\n",
        r.err.substring(r.err.indexOf("fai-rl-train: error")));
    CliRun d =
        CliRun.run(
            "fai-rl-train", tmp, "--recipe", recipe(TINY), "training.output_dir=b", "--debug");
    assertEquals(1, d.code);
    assertTrue(d.err.contains("\tat "), d.err);
  }

  @Test
  void inferenceAndEvalCallTheirEngines(@TempDir Path tmp) {
    AtomicReference<Object> seen = new AtomicReference<>();
    Engines.FORCED.put(InferenceRunner.class, (InferenceRunner) (rec, o) -> seen.set(rec));
    Engines.FORCED.put(EvalRunner.class, (EvalRunner) (rec, o) -> seen.set(rec));
    assertEquals(
        0,
        CliRun.run(
                "fairl",
                tmp,
                "inference",
                "--recipe",
                recipe("recipes/inference/tiny_local.yaml"),
                "inference.do_sample=false")
            .code);
    assertFalse(
        ((InferenceRecipe) seen.get()).inference().doSample(), "lowercase false is a boolean (B6)");
    assertEquals(
        0,
        CliRun.run("fai-rl-eval", tmp, "--recipe", recipe("recipes/evaluation/mmlu/tiny_mmlu.yaml"))
            .code);
    assertEquals("loglikelihood", ((EvaluationRecipe) seen.get()).evaluation().method());
  }

  @Test
  void recipeShowAndValidate(@TempDir Path tmp) throws IOException {
    CliRun show = CliRun.run("fairl", tmp, "recipe", "show", recipe(TINY), "training.beta=0.1");
    assertEquals(0, show.code, show.toString());
    assertTrue(show.out.contains("beta: 0.1"), show.out);
    Files.writeString(tmp.resolve("bad.yaml"), "training:\n  algorithm: sft\n");
    CliRun v = CliRun.run("fairl", tmp, "recipe", "validate", recipe(TINY), "bad.yaml");
    assertEquals(2, v.code, v.toString());
    assertTrue(v.out.contains("ok: " + recipe(TINY) + " (training, grpo)"), v.out);
    assertTrue(v.err.contains("bad.yaml"), v.err);
  }

  @Test
  void nativeBuildNamesTheMissingScript(@TempDir Path tmp) {
    String old = System.getProperty("fairl.home");
    System.setProperty("fairl.home", tmp.toString());
    try {
      CliRun r = CliRun.run("fairl", tmp, "native", "build");
      assertEquals(1, r.code, r.toString());
      assertTrue(r.err.contains("fairl-native/build.sh not found"), r.err);
    } finally {
      if (old == null) {
        System.clearProperty("fairl.home");
      } else {
        System.setProperty("fairl.home", old);
      }
    }
  }
}
