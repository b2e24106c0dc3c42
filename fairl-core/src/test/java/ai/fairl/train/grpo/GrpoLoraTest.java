package ai.fairl.train.grpo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.fairl.Fairl;
import ai.fairl.model.Models;
import ai.fairl.model.Safetensors;
import ai.fairl.model.TransformerModel;
import ai.fairl.model.lora.LoraModel;
import ai.fairl.recipe.TrainingRecipe;
import ai.fairl.reward.RewardRegistry;
import ai.fairl.train.DataParallel;
import ai.fairl.train.OnlineRun;
import ai.fairl.train.StopSignal;
import ai.fairl.train.TrainResult;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * GRPO, GSPO and PPO with {@code use_lora: true} through the normal recipe path train only the
 * adapters and write PEFT adapter folders ({@code adapter_config.json} + {@code
 * adapter_model.safetensors} with PEFT's key names) as the final output and in every checkpoint,
 * which {@link LoraModel#loadPeft} reads back onto a fresh base model.
 */
class GrpoLoraTest {
  @BeforeAll
  static void reward() {
    // a reward that varies on a random model's output, so the advantages (and the update) are not 0
    RewardRegistry.register(
        "lora_test_digits",
        (p, c, cols) ->
            c.stream().mapToDouble(s -> s.chars().filter(Character::isDigit).count()).toArray());
  }

  @AfterAll
  static void unregister() {
    RewardRegistry.unregister("lora_test_digits");
  }

  @ParameterizedTest
  @ValueSource(strings = {"grpo", "gspo", "ppo"})
  void loraRunWritesAPeftAdapterThatLoadsBack(
      String algo, @org.junit.jupiter.api.io.TempDir Path out) throws Exception {
    String data =
        Path.of(System.getProperty("fairl.root"), "recipes/data/arithmetic_train.jsonl")
            .toString()
            .replace("\\", "/");
    String yaml =
        String.join(
            "\n",
            "model:",
            "  base_model_name: tiny:llama",
            "  use_lora: true",
            "  lora_r: 4",
            "  lora_alpha: 8",
            "  lora_dropout: 0.0",
            "  lora_target_modules: [q_proj, v_proj]",
            "data:",
            "  datasets:",
            "    - name: \"" + data + "\"",
            "      prompt_column: question",
            "      answer_column: answer",
            "  max_length: 48",
            "  max_prompt_length: 40",
            "training:",
            "  algorithm: " + algo,
            "  output_dir: \"" + out.toString().replace("\\", "/") + "\"",
            "  per_device_train_batch_size: 8",
            "  gradient_accumulation_steps: 1",
            "  bf16: false",
            algo.equals("ppo") ? "  kl_coef: 0.05" : "  num_generations: 4\n  beta: 0.04",
            "  max_completion_length: 6",
            "  learning_rate: 1.0e-2",
            "  max_steps: 2",
            "  save_steps: 1",
            "  logging_steps: 1",
            "  reward_functions: [lora_test_digits]",
            "");
    TrainingRecipe r = (TrainingRecipe) Fairl.recipeFromText(yaml, "r.yaml").recipe();
    TrainResult res = Fairl.train(r, new StopSignal());
    assertEquals(2, res.step());
    if (!algo.equals("ppo")) {
      assertFalse(res.history().get(1).get("kl").isNaN(), "beta 0.04: KL to the adapters-off base");
    } else {
      assertTrue(Files.isRegularFile(out.resolve("value_head.safetensors")), "PPO's value head");
    }
    for (Path dir : List.of(out, out.resolve("checkpoint-1"))) {
      assertTrue(LoraModel.isAdapterDir(dir), "adapter_config.json in " + dir);
      assertTrue(Files.isRegularFile(dir.resolve("adapter_model.safetensors")), dir.toString());
      assertFalse(Files.exists(dir.resolve("model.safetensors")), "no full model in " + dir);
    }
    JsonObject cfg =
        JsonParser.parseString(Files.readString(out.resolve("adapter_config.json")))
            .getAsJsonObject();
    assertEquals("LORA", cfg.get("peft_type").getAsString());
    assertEquals("tiny:llama", cfg.get("base_model_name_or_path").getAsString());
    assertEquals(4, cfg.get("r").getAsInt());

    try (NDManager m = NDManager.newBaseManager()) {
      Map<String, NDArray> saved = Safetensors.load(out.resolve("adapter_model.safetensors"), m);
      assertTrue(
          saved.keySet().stream()
              .allMatch(
                  k ->
                      k.startsWith("base_model.model.")
                          && (k.endsWith(".lora_A.weight") || k.endsWith(".lora_B.weight"))),
          saved.keySet().toString());
      assertTrue(
          saved.keySet().stream().anyMatch(k -> k.contains("self_attn.q_proj.lora_B")),
          saved.keySet().toString());
      double bNorm =
          saved.entrySet().stream()
              .filter(e -> e.getKey().endsWith("lora_B.weight"))
              .mapToDouble(e -> e.getValue().abs().sum().getFloat())
              .sum();
      assertTrue(bNorm > 0, "lora_B starts at 0; GRPO must have moved it");
      try (TransformerModel base =
              TransformerModel.create(
                  Models.tinyConfig("llama"), m, DataType.FLOAT32, r.training().seed());
          LoraModel back = LoraModel.loadPeft(base, out)) {
        assertEquals(saved.size(), back.parameters().size());
      }
    }
  }

  @org.junit.jupiter.api.Test
  void aPolicyWithAdaptersButNoLoraModelIsRefused() throws Exception {
    TrainingRecipe r =
        ai.fairl.recipe.Recipes.training(
                Path.of(
                    System.getProperty("fairl.root"), "recipes/training/grpo/tiny_arithmetic.yaml"),
                List.of())
            .recipe();
    try (NDManager m = NDManager.newBaseManager();
        TransformerModel model =
            TransformerModel.create(Models.tinyConfig("llama"), m, DataType.FLOAT32, 1);
        LoraModel lora =
            LoraModel.inject(
                model,
                new ai.fairl.model.lora.LoraConfig(
                    4,
                    8,
                    0.0,
                    List.of("q_proj"),
                    null,
                    null,
                    ai.fairl.model.lora.LoraConfig.Bias.NONE),
                1,
                "tiny:llama")) {
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class,
              () ->
                  GrpoTraining.run(
                      r,
                      model,
                      new OnlineRun(
                          null,
                          Path.of("unused"),
                          Path.of("."),
                          List.of(),
                          new StopSignal(),
                          null,
                          DataParallel.single())));
      assertTrue(e.getMessage().contains("pass its LoraModel"), e.getMessage());
      assertTrue(lora.parameters().size() > 0);
    }
  }
}
