/*
 * What gradient checkpointing saves: the same full fine-tuning SFT steps through the TrainLoop, once
 * with checkpointing and once without, each on a fresh model with the same seed. Measured per run:
 * the bytes of live tensors the micro-batch holds when its backward starts (everything the forward
 * kept for the backward: in DJL an NDArray holds its tensor until its manager closes, so this is
 * the memory the step holds), the device peak (the CUDA caching allocator's peak with fairl-native
 * on a GPU, reset between runs; on a CPU the process's VmHWM, which never goes down, so the second
 * run can only show the larger of the two), seconds per step and the last loss.
 *
 * Simplified: random tokens, no padding; the checkpointed run goes first so that a CPU's VmHWM
 * after it is its own peak.
 */
package ai.fairl.train;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.fairl.data.Collators;
import ai.fairl.data.TokenizedExample;
import ai.fairl.engine.FusedOps;
import ai.fairl.model.TransformerConfig;
import ai.fairl.model.TransformerModel;
import ai.fairl.train.sft.SftObjective;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Memory and time of SFT steps with and without gradient checkpointing. */
public final class CheckpointingBenchmark {
  private CheckpointingBenchmark() {}

  /**
   * Runs both variants and returns one bench row: {@code held_bytes_*}, {@code peak_gb_*}, {@code
   * step_s_*}, {@code last_loss_*} for {@code ckpt} and {@code plain}, and {@code held_ratio}.
   *
   * @param compute the forward's dtype (weights stay fp32 masters)
   */
  public static Map<String, Object> row(
      TransformerConfig config, NDManager root, DataType compute, int batch, int seq, int steps) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("what", "full fine-tuning SFT, fp32 masters, " + compute + " compute, AdamW");
    out.put("peak_source", peakSource());
    Map<String, Double> ckpt = run(config, root, compute, batch, seq, steps, true);
    Map<String, Double> plain = run(config, root, compute, batch, seq, steps, false);
    ckpt.forEach((k, v) -> out.put(k + "_ckpt", v));
    plain.forEach((k, v) -> out.put(k + "_plain", v));
    out.put("held_ratio", ckpt.get("held_bytes") / plain.get("held_bytes"));
    out.put("peak_gb", ckpt.get("peak_gb"));
    out.put("step_s", ckpt.get("step_s"));
    out.put("last_loss", ckpt.get("last_loss"));
    return out;
  }

  private static String peakSource() {
    return FusedOps.get().cudaMemory(0).isPresent()
        ? "CUDA caching allocator peak (reset per run)"
        : "VmHWM of this process (never decreases: the plain run shows max(ckpt, plain))";
  }

  private static double peakGb() {
    FusedOps ops = FusedOps.get();
    return ops.cudaMemory(0)
        .map(x -> x.peakAllocated() / 1e9)
        .orElseGet(CheckpointingBenchmark::vmHwmGb);
  }

  private static double vmHwmGb() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmHWM:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024 / 1e9;
        }
      }
      return Double.NaN;
    } catch (IOException e) {
      return Double.NaN;
    }
  }

  private static Map<String, Double> run(
      TransformerConfig config,
      NDManager root,
      DataType compute,
      int batch,
      int seq,
      int steps,
      boolean checkpointing) {
    Random r = new Random(1);
    List<TokenizedExample> rows = new ArrayList<>();
    for (int i = 0; i < batch * Math.max(2, steps); i++) {
      long[] ids = new long[seq];
      for (int t = 0; t < seq; t++) {
        ids[t] = r.nextInt(config.vocabSize());
      }
      boolean[] trained = new boolean[seq];
      Arrays.fill(trained, true);
      rows.add(new TokenizedExample(ids, trained));
    }
    Path dir;
    try {
      dir = Files.createTempDirectory("fairl-ckpt-bench");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    FusedOps.get().resetPeakMemory(0);
    try (TransformerModel m = TransformerModel.create(config, root, DataType.FLOAT32, 1)) {
      m.setComputeType(compute);
      if (checkpointing) {
        GradientCheckpointing.enable(m);
      }
      FullFineTune trainable = new FullFineTune(m, null);
      LogitsFunction f = LogitsFunction.of(m);
      SftObjective sft = new SftObjective(f);
      long[] held = {0};
      Objective<TokenBatch> measured =
          (b, scope, training) -> {
            Objective.Loss l = sft.loss(b, scope, training);
            if (training) {
              held[0] = Math.max(held[0], TrainBenchmark.liveBytes(scope));
            }
            return l;
          };
      ListSource<TokenizedExample, TokenBatch> src =
          new ListSource<>(rows, batch, l -> Collators.tokens(l, 0), 1, true, false);
      TrainConfig c =
          TrainConfig.builder(dir)
              .learningRate(1e-4)
              .warmupSteps(0)
              .gradientAccumulationSteps(1)
              .maxSteps(steps)
              .loggingSteps(1)
              .saveSteps(0)
              .build();
      List<Long> stepEnds = new ArrayList<>();
      TrainListener clock =
          new TrainListener() {
            @Override
            public void onStep(int step, double epoch, Map<String, Double> metrics) {
              stepEnds.add(System.nanoTime());
            }
          };
      long t0 = System.nanoTime();
      TrainResult res =
          new TrainLoop(c, List.of(clock), null)
              .run(new TrainTask<>(measured, trainable, src, null));
      // steps after the first (warm-up); the final save is not timed
      double seconds =
          stepEnds.size() > 1
              ? (stepEnds.get(stepEnds.size() - 1) - stepEnds.get(0)) / 1e9 / (stepEnds.size() - 1)
              : (stepEnds.get(0) - t0) / 1e9;
      Map<String, Double> o = new LinkedHashMap<>();
      o.put("held_bytes", (double) held[0]);
      o.put("peak_gb", peakGb());
      o.put("step_s", seconds);
      o.put("last_loss", res.losses().get(res.losses().size() - 1));
      return o;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      try {
        Checkpoints.deleteTree(dir);
      } catch (IOException e) {
        System.err.println("bench: could not delete " + dir + ": " + e.getMessage());
      }
    }
  }
}
