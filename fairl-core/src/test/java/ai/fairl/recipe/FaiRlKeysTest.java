package ai.fairl.recipe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Every key of FAI-RL's config dataclasses (reference §2, transcribed here) is known: either
 * accepted, or (vision-language keys) an error that names it. None is "unknown".
 */
class FaiRlKeysTest {
  static final Path ROOT = Path.of(System.getProperty("fairl.root"));
  static final Recipes.Context CTX = new Recipes.Context(ROOT, ROOT, Map.<String, String>of()::get);

  static final List<String> MODEL =
      List.of(
          "base_model_name",
          "torch_dtype",
          "low_cpu_mem_usage",
          "load_in_8bit",
          "load_in_4bit",
          "use_flash_attention",
          "bnb_4bit_compute_dtype",
          "bnb_4bit_quant_type",
          "bnb_4bit_use_double_quant",
          "s3_region",
          "s3_endpoint_url",
          "ignore_mismatched_sizes",
          "use_lora",
          "lora_r",
          "lora_alpha",
          "lora_dropout",
          "lora_target_modules",
          "lora_exclude_modules",
          "lora_bias",
          "freeze_vision_tower",
          "value_model_name");
  static final List<String> DATA =
      List.of(
          "datasets",
          "max_length",
          "max_prompt_length",
          "remove_unused_columns",
          "system_prompt",
          "user_prompt",
          "assistant_prompt",
          "dataset_num_proc",
          "image_cache_dir",
          "image_fetch_timeout",
          "image_fetch_retries",
          "max_image_pixels",
          "image_s3_region",
          "image_s3_endpoint_url",
          "video_cache_dir",
          "video_fetch_timeout",
          "video_fetch_retries",
          "video_num_frames",
          "video_fps",
          "video_backend",
          "video_s3_region",
          "video_s3_endpoint_url");
  static final List<String> DATASET =
      List.of(
          "name",
          "split",
          "subset",
          "text_column",
          "prompt_column",
          "chosen_column",
          "rejected_column",
          "answer_column",
          "dataset_columns",
          "image_columns",
          "video_columns",
          "s3_region",
          "s3_endpoint_url");
  static final List<String> TRAINING =
      List.of(
          "output_dir",
          "algorithm",
          "per_device_train_batch_size",
          "gradient_accumulation_steps",
          "learning_rate",
          "num_train_epochs",
          "max_steps",
          "warmup_steps",
          "num_generations",
          "beta",
          "epsilon",
          "epsilon_high",
          "steps_per_generation",
          "importance_sampling_level",
          "logging_steps",
          "save_steps",
          "eval_steps",
          "bf16",
          "fp16",
          "gradient_checkpointing",
          "deepspeed_config",
          "dataloader_num_workers",
          "dataloader_pin_memory",
          "dataloader_drop_last",
          "ddp_find_unused_parameters",
          "save_only_model",
          "prediction_loss_only",
          "gamma",
          "lam",
          "cliprange",
          "cliprange_value",
          "vf_coef");
  static final List<String> WANDB =
      List.of("enabled", "project", "entity", "name", "tags", "api_key", "base_url");
  static final List<String> S3 =
      List.of(
          "enabled",
          "bucket",
          "prefix",
          "region",
          "endpoint_url",
          "upload_final_model",
          "upload_checkpoints",
          "delete_local_after_upload",
          "uploader");
  static final List<String> INFERENCE =
      List.of(
          "model_paths",
          "model",
          "api_endpoint",
          "api_key",
          "dataset_name",
          "dataset_split",
          "output_file",
          "system_prompt",
          "user_prompt",
          "dataset_columns",
          "response_column",
          "checkpoint_column",
          "image_columns",
          "image_cache_dir",
          "image_fetch_timeout",
          "image_fetch_retries",
          "max_image_pixels",
          "image_s3_region",
          "image_s3_endpoint_url",
          "video_columns",
          "video_cache_dir",
          "video_fetch_timeout",
          "video_fetch_retries",
          "video_num_frames",
          "video_fps",
          "video_backend",
          "video_s3_region",
          "video_s3_endpoint_url",
          "s3_region",
          "s3_endpoint_url",
          "s3_upload_results",
          "s3_bucket",
          "s3_prefix",
          "s3_uploader",
          "temperature",
          "top_p",
          "max_new_tokens",
          "do_sample");
  static final List<String> EVALUATION =
      List.of(
          "model_paths",
          "model",
          "api_endpoint",
          "api_key",
          "s3_region",
          "s3_endpoint_url",
          "s3_upload_results",
          "s3_bucket",
          "s3_prefix",
          "s3_uploader",
          "dataset_name",
          "dataset_subset",
          "dataset_split",
          "output_file",
          "system_prompt",
          "dataset_columns",
          "ground_truth_column",
          "response_column",
          "checkpoint_column",
          "prompt_template",
          "choice_labels",
          "temperature",
          "top_p",
          "max_new_tokens",
          "do_sample");

  /** A recipe with {@code key: null} written in the file (null = default): must not be unknown. */
  static void known(String section, String key) {
    String model = "model:\n  base_model_name: tiny:llama\n";
    String data = "data:\n  datasets:\n    - name: openai/gsm8k\n";
    String training = "training:\n  algorithm: grpo\n  output_dir: out\n";
    String line = "  " + key + ": null\n";
    String yaml =
        switch (section) {
          case "model" -> model + line + data + training;
          case "data" -> model + data + line + training;
          case "dataset" -> model + data + "    " + line + training;
          case "training" -> model + data + training + line;
          case "wandb", "s3" -> model + data + training + section + ":\n" + line;
          case "inference" -> "inference:\n  model: tiny:llama\n  system_prompt: '{p}'\n" + line;
          case "evaluation" -> "evaluation:\n  model: tiny:llama\n" + line;
          default -> throw new IllegalArgumentException(section);
        };
    try {
      Resolved<? extends Recipe> r = Recipes.parse(yaml, "r.yaml", List.of(), CTX);
      assertTrue(r.render().length() > 0);
    } catch (RecipeException e) {
      throw new AssertionError(section + "." + key + " rejected: " + e.getMessage());
    }
  }

  @Test
  void everyFaiRlKeyIsKnown() {
    Map<String, List<String>> all = new java.util.LinkedHashMap<>();
    all.put("model", MODEL);
    all.put("data", DATA);
    all.put("dataset", DATASET);
    all.put("training", TRAINING);
    all.put("wandb", WANDB);
    all.put("s3", S3);
    all.put("inference", INFERENCE);
    all.put("evaluation", EVALUATION);
    int n = 0;
    for (var e : all.entrySet()) {
      for (String k : e.getValue()) {
        if (List.of("base_model_name", "datasets", "name", "output_dir", "algorithm").contains(k)
            || (e.getKey().equals("inference") && List.of("model", "system_prompt").contains(k))
            || (e.getKey().equals("evaluation") && k.equals("model"))) {
          continue; // given by the base recipe
        }
        known(e.getKey(), k);
        n++;
      }
    }
    assertTrue(n > 150, "keys checked: " + n);
  }

  @Test
  void anUnknownKeyWrittenTheSameWayIsRejected() {
    AssertionError e =
        org.junit.jupiter.api.Assertions.assertThrows(
            AssertionError.class, () -> known("training", "learnin_rate"));
    assertTrue(e.getMessage().contains("unknown key 'training.learnin_rate'"), e.getMessage());
  }

  static final String TRAIN_BASE =
      "model: {base_model_name: tiny:llama}\n"
          + "data: {datasets: [{name: openai/gsm8k}]}\n"
          + "training: {algorithm: grpo, output_dir: out}\n";

  @Test
  void visionKeysWithAValueAreErrorsNamingTheKey() {
    for (String k :
        List.of(
            "data.video_fps=2",
            "data.datasets[0].image_columns=[image]",
            "data.image_cache_dir=/tmp")) {
      RecipeException e =
          org.junit.jupiter.api.Assertions.assertThrows(
              RecipeException.class, () -> Recipes.parse(TRAIN_BASE, "r.yaml", List.of(k), CTX));
      assertEquals(k.substring(0, k.indexOf('=')), e.key(), e.getMessage());
      assertTrue(e.problem().contains("not supported"), e.getMessage());
    }
    RecipeException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            RecipeException.class,
            () ->
                Recipes.parse(
                    "inference: {model: tiny:llama, system_prompt: '{p}', video_columns: [v]}",
                    "r.yaml",
                    List.of(),
                    CTX));
    assertEquals("inference.video_columns", e.key());
  }
}
