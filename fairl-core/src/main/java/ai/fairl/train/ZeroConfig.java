package ai.fairl.train;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A recipe's {@code training.deepspeed_config} (FAI-RL's DeepSpeed ZeRO files) mapped onto what
 * this trainer does. ZeRO stages 0, 1 and 2 become data parallelism with full replicas: gradients
 * summed over the ranks in buckets of {@code reduce_bucket_size} elements (DeepSpeed counts
 * elements, fp32 here, so bytes = 4 x elements), overlapped with the backward pass, except that
 * stage 2 partitions gradients and optimizer state ({@link FullySharded} with replicated
 * parameters: reduce-scatter, shard update, all-gather; stage 1 keeps the replicated path); stage 3
 * becomes full sharding ({@link FullySharded}: parameters, gradients and optimizer state split
 * across the ranks, gathered per decoder layer). Every setting without an equivalent is named in
 * {@link #notices}.
 *
 * @param file the config file
 * @param stage {@code zero_optimization.stage}, 0 when absent
 * @param bucketBytes the gradient bucket size in bytes
 * @param notices one line per setting that has no effect here, and why
 */
public record ZeroConfig(Path file, int stage, long bucketBytes, List<String> notices) {

  public ZeroConfig {
    if (stage < 0 || stage > 3) {
      throw new IllegalArgumentException(
          file + ": zero_optimization.stage must be 0, 1, 2 or 3, got " + stage);
    }
    notices = List.copyOf(notices);
  }

  /** Reads and maps a DeepSpeed JSON config. */
  public static ZeroConfig read(Path file) throws IOException {
    JsonObject root;
    try {
      root =
          JsonParser.parseString(Files.readString(file, StandardCharsets.UTF_8)).getAsJsonObject();
    } catch (JsonParseException | IllegalStateException e) {
      throw new IllegalArgumentException(
          "training.deepspeed_config " + file + " is not a JSON object: " + e.getMessage(), e);
    }
    JsonObject zero =
        root.has("zero_optimization") && root.get("zero_optimization").isJsonObject()
            ? root.getAsJsonObject("zero_optimization")
            : new JsonObject();
    int stage = (int) number(zero.get("stage"), 0, file, "zero_optimization.stage");
    double elements =
        number(
            zero.get("reduce_bucket_size"),
            BucketPlan.DEFAULT_CAP_BYTES / 4.0,
            file,
            "zero_optimization.reduce_bucket_size");
    if (elements < 1) {
      throw new IllegalArgumentException(
          file + ": zero_optimization.reduce_bucket_size must be >= 1 element, got " + elements);
    }
    List<String> notices = new ArrayList<>();
    String where = "training.deepspeed_config (" + file.getFileName() + "): ";
    if (stage == 1) {
      notices.add(
          where
              + "ZeRO stage 1 runs as data parallel with full replicas: optimizer state is not"
              + " partitioned, so each GPU holds all of it (the losses are the same; a stage 2"
              + " config partitions gradients and optimizer state)");
    }
    if (zero.has("overlap_comm")) {
      notices.add(
          where
              + "zero_optimization.overlap_comm has no effect here: "
              + (stage == 3
                  ? "gradients are reduce-scattered per decoder layer during the backward pass,"
                      + " parameter gathers are not prefetched"
                  : stage == 2
                      ? "gradients are reduce-scattered per decoder layer after the backward"
                          + " pass"
                      : "gradient buckets are always all-reduced during the backward pass"));
    }
    if (zero.has("contiguous_gradients")) {
      notices.add(
          where
              + "zero_optimization.contiguous_gradients has no effect here: gradients are packed"
              + " into flat buffers per bucket (per layer under stage 3) for each collective");
    }
    if (stage == 2 && zero.has("reduce_bucket_size")) {
      notices.add(
          where
              + "zero_optimization.reduce_bucket_size has no effect here: stage 2 reduce-scatters"
              + " one decoder layer per collective");
    }
    if (stage == 3) {
      for (String key :
          List.of(
              "stage3_prefetch_bucket_size",
              "stage3_param_persistence_threshold",
              "stage3_max_live_parameters",
              "stage3_max_reuse_distance",
              "allgather_bucket_size",
              "reduce_bucket_size",
              "sub_group_size")) {
        if (zero.has(key)) {
          notices.add(
              where
                  + "zero_optimization."
                  + key
                  + " has no effect here: stage 3 gathers and reduce-scatters one decoder layer"
                  + " per collective and keeps at most two layers gathered");
        }
      }
      if (zero.has("stage3_gather_16bit_weights_on_model_save")) {
        notices.add(
            where
                + "zero_optimization.stage3_gather_16bit_weights_on_model_save has no effect"
                + " here: checkpoints are always gathered and written unsharded in the"
                + " parameters' own dtype (fp32 masters), as a one-process run writes them");
      }
      for (String key : List.of("offload_optimizer", "offload_param")) {
        JsonElement off = zero.get(key);
        if (off != null && off.isJsonObject()) {
          JsonElement dev = off.getAsJsonObject().get("device");
          if (dev != null && !"none".equals(dev.getAsString())) {
            notices.add(
                where
                    + "zero_optimization."
                    + key
                    + ".device \""
                    + dev.getAsString()
                    + "\" has no effect here: nothing is offloaded, shards stay on the GPU");
          }
        }
      }
    }
    for (String key :
        List.of(
            "allgather_partitions",
            "allgather_bucket_size",
            "reduce_scatter",
            "offload_optimizer",
            "offload_param",
            "sub_group_size")) {
      if (zero.has(key) && stage < 2) {
        notices.add(
            where
                + "zero_optimization."
                + key
                + " has no effect here: nothing is partitioned or offloaded under data"
                + " parallel");
      } else if (zero.has(key) && stage == 2) {
        notices.add(
            where
                + "zero_optimization."
                + key
                + " has no effect here: stage 2 reduce-scatters gradients and all-gathers"
                + " parameters one decoder layer per collective, and offloads nothing");
      }
    }
    JsonElement clip = root.get("gradient_clipping");
    if (clip != null && clip.isJsonPrimitive() && clip.getAsJsonPrimitive().isNumber()) {
      notices.add(
          where
              + "gradient_clipping has no effect here: training.max_grad_norm sets clipping, as in"
              + " FAI-RL (Hugging Face's Trainer overrides DeepSpeed's value)");
    }
    for (String key :
        List.of(
            "train_batch_size", "train_micro_batch_size_per_gpu", "gradient_accumulation_steps")) {
      JsonElement v = root.get(key);
      if (v != null && !(v.isJsonPrimitive() && "auto".equals(v.getAsString()))) {
        notices.add(
            where
                + key
                + " has no effect here: the batch comes from training.per_device_train_batch_size"
                + " x training.gradient_accumulation_steps x GPUs");
      }
    }
    return new ZeroConfig(file, stage, Math.round(elements * 4), notices);
  }

  /**
   * Throws when the config asks for something a job of {@code worldSize} processes cannot do here:
   * ZeRO-3 (full sharding) for an algorithm that generates its own batches (GRPO, GSPO, PPO), whose
   * ranks run different numbers of forwards while every sharded forward is a collective.
   */
  public void checkSupported(int worldSize, String algorithm) {
    String algo = algorithm == null ? "" : algorithm.toLowerCase(java.util.Locale.ROOT);
    if (stage == 3 && worldSize > 1 && List.of("grpo", "gspo", "ppo").contains(algo)) {
      throw new IllegalArgumentException(
          "training.deepspeed_config "
              + file
              + " asks for ZeRO stage 3 (fully sharded parameters), which "
              + algo
              + " does not support here: its ranks generate rollouts of different lengths, and"
              + " every sharded forward gathers parameters collectively; use data parallel"
              + " (configs/deepspeed/zero1_config.json or zero2_config.json) or remove"
              + " training.deepspeed_config");
    }
  }

  private static double number(JsonElement e, double dflt, Path file, String key) {
    if (e == null || e.isJsonNull()) {
      return dflt;
    }
    if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isString()) {
      String s = e.getAsString().trim();
      if (s.equals("auto")) {
        return dflt;
      }
      try {
        return Double.parseDouble(s);
      } catch (NumberFormatException ex) {
        throw new IllegalArgumentException(
            file + ": " + key + " must be a number or \"auto\", got \"" + s + "\"");
      }
    }
    if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isNumber()) {
      return e.getAsDouble();
    }
    throw new IllegalArgumentException(file + ": " + key + " must be a number, got " + e);
  }
}
