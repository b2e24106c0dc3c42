package ai.fairl.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Bad input of every kind exits with status 2 and a message that names what, where (file:line or
 * the override), the key and how to fix it. The full stderr of each case is a golden snapshot in
 * src/test/resources/golden/bad-input/<case>.txt; regenerate with -Dfairl.golden.update=true and
 * review the diff.
 */
class BadInputTest {

  static final String BASE =
      """
      model:
        base_model_name: tiny:llama
      data:
        datasets:
          - name: openai/gsm8k
            subset: main
      training:
        algorithm: grpo
        output_dir: out
        learning_rate: 1.0e-5
      wandb:
        enabled: false
      """;

  static final String INFER =
      """
      inference:
        model: tiny:llama
        dataset_name: recipes/data/inference_tiny.csv
        system_prompt: "{prompt}"
      """;

  record Case(String name, String tool, String yaml, List<String> args, Map<String, String> env) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Case train(String name, String yaml, String... extra) {
    List<String> a = new ArrayList<>(List.of("--recipe", "r.yaml", "--dry-run"));
    a.addAll(List.of(extra));
    return new Case(name, "fai-rl-train", yaml, a, Map.of());
  }

  static String edit(String from, String to) {
    if (!BASE.contains(from)) {
      throw new IllegalArgumentException(from);
    }
    return BASE.replace(from, to);
  }

  static Stream<Arguments> cases() {
    List<Case> c = new ArrayList<>();
    c.add(train("unknown_key_typo", edit("learning_rate:", "learnig_rate:")));
    c.add(
        train(
            "unknown_key_other_section",
            edit(
                "base_model_name: tiny:llama",
                "base_model_name: tiny:llama\n  learning_rate: 0.1")));
    c.add(train("unknown_section", edit("wandb:", "wandbb:")));
    c.add(train("negative_learning_rate", edit("1.0e-5", "-1e-05")));
    c.add(
        train(
            "string_for_int",
            edit(
                "learning_rate: 1.0e-5",
                "learning_rate: 1.0e-5\n  per_device_train_batch_size: four")));
    c.add(train("quoted_bool", edit("enabled: false", "enabled: \"false\"")));
    c.add(
        train(
            "fraction_for_int",
            edit(
                "learning_rate: 1.0e-5",
                "learning_rate: 1.0e-5\n  gradient_accumulation_steps: 1.5")));
    c.add(train("missing_output_dir", edit("  output_dir: out\n", "")));
    c.add(train("missing_base_model", edit("base_model_name: tiny:llama", "torch_dtype: float32")));
    c.add(train("missing_model_section", edit("model:\n  base_model_name: tiny:llama\n", "")));
    c.add(train("unknown_algorithm", edit("algorithm: grpo", "algorithm: grpoo")));
    c.add(train("sft_vlm_unsupported", edit("algorithm: grpo", "algorithm: sft_vlm")));
    c.add(
        train(
            "image_columns_unsupported",
            edit("subset: main", "subset: main\n      image_columns: [image]")));
    c.add(train("s3_enabled", BASE + "s3:\n  enabled: true\n"));
    c.add(train("s3_model_path", edit("tiny:llama", "s3://bucket/models/llama")));
    c.add(
        train(
            "env_variable_missing",
            BASE.replace(
                "enabled: false", "enabled: true\n  api_key: ${env:FAIRL_TEST_UNSET_VARIABLE}")));
    c.add(train("malformed_yaml", edit("  algorithm: grpo", "  algorithm: grpo\n output_dir: [")));
    c.add(
        train("duplicate_key", edit("  output_dir: out", "  output_dir: out\n  output_dir: out2")));
    c.add(
        new Case(
            "recipe_not_found",
            "fai-rl-train",
            null,
            List.of("--recipe", "missing.yaml", "--dry-run"),
            Map.of()));
    c.add(train("override_bad_list_index", BASE, "data.datasets[5].name=x.jsonl"));
    c.add(train("override_unknown_key", BASE, "training.lr=1e-5"));
    c.add(train("override_without_equals", BASE, "training.learning_rate"));
    c.add(train("override_index_on_scalar", BASE, "training.output_dir[0]=x"));
    c.add(
        new Case(
            "more_gpus_than_visible",
            "fai-rl-train",
            BASE,
            List.of("--recipe", "r.yaml", "--dry-run", "--num-gpus", "4"),
            Map.of("CUDA_VISIBLE_DEVICES", "0,1")));
    c.add(train("gpus_on_cpu_only", BASE, "--num-gpus", "2"));
    c.add(
        train(
            "bf16_and_fp16",
            edit("learning_rate: 1.0e-5", "learning_rate: 1.0e-5\n  bf16: true\n  fp16: true")));
    c.add(
        train(
            "qlora_without_lora",
            edit(
                "base_model_name: tiny:llama",
                "base_model_name: tiny:llama\n  load_in_4bit: true")));
    c.add(
        train(
            "lora_dropout_range",
            edit(
                "base_model_name: tiny:llama",
                "base_model_name: tiny:llama\n  lora_dropout: 1.5")));
    c.add(train("inference_recipe_to_train", INFER));
    c.add(
        new Case(
            "api_key_placeholder",
            "fai-rl-inference",
            INFER.replace(
                "model: tiny:llama",
                "model: gpt-4o\n  api_endpoint: https://api.openai.com/v1/chat/completions\n  api_key: \"<YOUR_API_KEY>\""),
            List.of("--recipe", "r.yaml", "--dry-run"),
            Map.of()));
    c.add(
        new Case(
            "inference_flat_prompt_without_placeholder",
            "fai-rl-inference",
            INFER.replace("\"{prompt}\"", "\"Be nice.\""),
            List.of("--recipe", "r.yaml", "--dry-run"),
            Map.of()));
    c.add(
        train(
            "reward_weights_count",
            edit("learning_rate: 1.0e-5", "learning_rate: 1.0e-5\n  reward_weights: [1.0, 2.0]")));
    c.add(
        train(
            "unknown_reward_function",
            edit(
                "learning_rate: 1.0e-5",
                "learning_rate: 1.0e-5\n  reward_functions: [exact_mach]")));
    c.add(train("unknown_option", BASE, "--num-gpu", "1"));
    c.add(
        train(
            "deepspeed_config_missing",
            edit(
                "learning_rate: 1.0e-5",
                "learning_rate: 1.0e-5\n  deepspeed_config: configs/deepspeed/zero2_config.json")));
    c.add(
        train(
            "local_dataset_missing", edit("name: openai/gsm8k", "name: data/no_such_file.jsonl")));
    c.add(
        new Case(
            "loglikelihood_gsm8k",
            "fai-rl-eval",
            "evaluation:\n  model: tiny:llama\n  dataset_name: openai/gsm8k\n  method: loglikelihood\n",
            List.of("--recipe", "r.yaml", "--dry-run"),
            Map.of()));
    c.add(
        train(
            "datasets_not_a_list",
            edit("    - name: openai/gsm8k\n      subset: main", "    name: openai/gsm8k")));
    c.add(
        train(
            "python_local_reward_function",
            BASE + "local_reward_function:\n  function: my_rewards:score\n"));
    c.add(train("dpo_loss_type", edit("algorithm: grpo", "algorithm: dpo\n  loss_type: dapo")));
    c.add(train("empty_recipe", ""));
    c.add(
        new Case(
            "loglikelihood_with_prompt",
            "fai-rl-eval",
            "evaluation:\n  model: tiny:llama\n  method: loglikelihood\n  system_prompt: \"Q: {question}\"\n",
            List.of("--recipe", "r.yaml", "--dry-run"),
            Map.of()));
    c.add(
        train(
            "no_room_for_completions",
            edit(
                    "    - name: openai/gsm8k",
                    "  max_length: 128\n  datasets:\n    - name: openai/gsm8k")
                .replace("data:\n  datasets:\n  max_length", "data:\n  max_length")));
    c.add(
        new Case(
            "eval_local_data_needs_benchmark",
            "fai-rl-eval",
            "evaluation:\n  model: tiny:llama\n  dataset_name: data/my_mmlu\n",
            List.of("--recipe", "r.yaml", "--dry-run"),
            Map.of()));
    c.add(
        new Case(
            "node_rank_out_of_range",
            "fai-rl-train",
            BASE,
            List.of("--recipe", "r.yaml", "--dry-run", "--nnodes", "2", "--node-rank", "2"),
            Map.of()));
    c.add(
        new Case(
            "worker_without_rank",
            "fai-rl-train",
            BASE,
            List.of("--recipe", "r.yaml", "--dry-run"),
            Map.of("WORLD_SIZE", "2")));
    c.add(new Case("no_recipe", "fai-rl-train", null, List.of("--dry-run"), Map.of()));
    return c.stream().map(Arguments::of);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void exitsTwoWithGoldenMessage(Case c, @TempDir Path tmp) throws IOException {
    if (c.yaml() != null) {
      Files.writeString(tmp.resolve("r.yaml"), c.yaml());
    }
    CliRun r = CliRun.run(c.tool(), tmp, c.env(), c.args().toArray(String[]::new));
    assertEquals(2, r.code, () -> c.name() + ": expected exit 2\n" + r);
    assertTrue(r.out.isEmpty(), () -> c.name() + ": nothing on stdout\n" + r);
    String actual =
        r.err
            .replace(tmp.toString(), "<tmp>")
            .replace(CliRun.root().toString(), "<root>")
            .replace(Path.of("").toAbsolutePath().toString(), "<cwd>");
    assertFalse(actual.contains("\tat "), "no stack trace without --debug");
    assertTrue(actual.contains("error: "), actual);
    assertTrue(actual.contains("  hint: "), () -> c.name() + ": every error has a hint\n" + actual);
    Path golden =
        CliRun.root()
            .resolve("fairl-core/src/test/resources/golden/bad-input/" + c.name() + ".txt");
    if (Boolean.getBoolean("fairl.golden.update")) {
      Files.createDirectories(golden.getParent());
      Files.writeString(golden, actual);
    }
    if (!Files.exists(golden)) {
      fail(
          "no golden file "
              + golden
              + "; run with -Dfairl.golden.update=true and review:\n"
              + actual);
    }
    assertEquals(Files.readString(golden), actual, c.name());
  }

  @Test
  void atLeastTwentyFiveCases() {
    assertTrue(cases().count() >= 25);
  }

  @Test
  void debugAddsTheStackTrace(@TempDir Path tmp) throws IOException {
    Files.writeString(tmp.resolve("r.yaml"), edit("1.0e-5", "-1e-05"));
    CliRun r = CliRun.run("fai-rl-train", tmp, "--recipe", "r.yaml", "--dry-run", "--debug");
    assertEquals(2, r.code);
    assertTrue(r.err.contains("RecipeException"), r.err);
    assertTrue(r.err.contains("\tat "), r.err);
  }
}
