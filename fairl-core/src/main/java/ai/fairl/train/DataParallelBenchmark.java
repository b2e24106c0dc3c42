package ai.fairl.train;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.fairl.data.Collators;
import ai.fairl.data.TokenizedExample;
import ai.fairl.model.TransformerConfig;
import ai.fairl.model.TransformerModel;
import ai.fairl.train.sft.SftObjective;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * Data-parallel training throughput: full fine-tuning of a random-init Llama-shaped model on random
 * tokens, one process, or one rank of a job started with torchrun's variables (start it once per
 * GPU with RANK, LOCAL_RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT set, as torchrun does). Rank 0
 * prints each step's loss and the training tokens/s of the whole job over the steps after the first
 * two (global tokens / wall time; every step ends with a host read of the loss, so the device is
 * synchronised). A benchmark, not a test: it prints numbers, asserts nothing.
 *
 * <pre>
 * java -cp ... ai.fairl.train.DataParallelBenchmark [steps=20] [batch=8] [seq=512] [accum=1]
 *     [hidden=1024] [layers=8] [vocab=32000] [model=Llama-3.2-1B] [mode=overlap|sync|zero3]
 *     [bf16=0|1] [ckpt=0|1] [loss=kernel|logits]   (mode zero2: partitioned optimizer,
 *     parameters replicated)
 * </pre>
 *
 * <p>{@code model} names a real architecture ({@link TransformerConfig#named}; random weights)
 * instead of the tiny shape of {@code hidden}/{@code layers}/{@code vocab}; {@code mode}: data
 * parallel with the all-reduce overlapped with the backward (default), after it ({@code sync}), or
 * fully sharded ({@code zero3}, which implies per-layer checkpointing); {@code bf16=1} computes in
 * bf16 with fp32 master weights; {@code ckpt=1} recomputes layers in the backward; {@code
 * loss=logits} takes the label log-probs from the full fp32 logits instead of the chunked kernel.
 * Rank 0 also prints the CUDA caching allocator's peak and, sharded, the bytes of its parameter,
 * gradient and optimizer shards against the unsharded total.
 */
public final class DataParallelBenchmark {
  private DataParallelBenchmark() {}

  public static void main(String[] args) throws Exception {
    int steps = arg(args, "steps", 20);
    int batch = arg(args, "batch", 8);
    int seq = arg(args, "seq", 512);
    int accum = arg(args, "accum", 1);
    int hidden = arg(args, "hidden", 1024);
    int layers = arg(args, "layers", 8);
    int vocab = arg(args, "vocab", 32000);
    String model = sarg(args, "model", "");
    String mode = sarg(args, "mode", "overlap");
    boolean bf16 = arg(args, "bf16", 0) == 1;
    boolean ckpt = arg(args, "ckpt", 0) == 1;
    String loss = sarg(args, "loss", "kernel");
    if (!List.of("kernel", "logits").contains(loss)) {
      throw new IllegalArgumentException("loss must be kernel or logits, got " + loss);
    }
    if (!List.of("overlap", "sync", "zero2", "zero3").contains(mode)) {
      throw new IllegalArgumentException("mode must be overlap, sync, zero2 or zero3, got " + mode);
    }
    TransformerConfig config =
        model.isEmpty()
            ? TransformerConfig.tiny("llama", vocab, hidden, layers)
            : TransformerConfig.named(model);
    WorldEnv world = WorldEnv.fromEnv(System.getenv()).orElse(WorldEnv.single());
    Device device =
        Engine.getInstance().getGpuCount() > 0 ? Training.rankDevice(world) : Device.cpu();
    PrintStream console = System.out;
    try (DataParallel dp = dataParallel(world, device, mode, console)) {
      Measured r =
          measure(
              config,
              model.isEmpty(),
              dp,
              device,
              batch,
              seq,
              accum,
              steps,
              2,
              bf16,
              ckpt,
              loss.equals("logits"),
              console);
      if (dp.isMain() && steps > 3) {
        console.printf(
            Locale.ROOT,
            "RESULT dp-bench world=%d device=%s mode=%s model=%s bf16=%b ckpt=%b loss=%s params=%d"
                + " hidden=%d layers=%d vocab=%d"
                + " batch=%d seq=%d accum=%d global_batch=%d steps=%d: %.0f tokens/s over"
                + " steps 3..%d%n",
            dp.worldSize(),
            device,
            mode,
            model.isEmpty() ? "tiny" : model,
            bf16,
            ckpt || mode.equals("zero3"),
            loss,
            r.params(),
            config.hiddenSize(),
            config.numLayers(),
            config.vocabSize(),
            batch,
            seq,
            accum,
            batch * accum * dp.worldSize(),
            steps,
            r.tokensPerSecond(),
            steps);
      }
    }
  }

  /**
   * What one measured run gave (rank 0's view).
   *
   * @param tokensPerSecond trained tokens of the whole job over the steps after {@code warmup},
   *     divided by their wall time
   * @param stepSeconds wall time per measured step
   * @param peakBytes the CUDA caching allocator's peak allocation on this rank, -1 off a GPU
   * @param lastLoss the last step's loss
   */
  public record Measured(
      double tokensPerSecond, double stepSeconds, long params, long peakBytes, double lastLoss) {}

  /**
   * The recipe path's full fine-tuning step on one process, as `fairl bench` reports it (row {@code
   * sft_amp}): a random-init model with fp32 master weights drawn on {@code device}, bf16 compute
   * where {@code bf16}, {@link SftObjective} through {@link TrainLoop} (clipping at 1.0, AdamW, no
   * checkpointing), {@code warmup} steps before the {@code steps} measured ones.
   */
  public static Measured singleProcess(
      TransformerConfig config,
      Device device,
      int batch,
      int seq,
      int warmup,
      int steps,
      boolean bf16) {
    return measure(
        config,
        false,
        DataParallel.single(),
        device,
        batch,
        seq,
        1,
        warmup + steps,
        warmup,
        bf16,
        false,
        false,
        null);
  }

  private static Measured measure(
      TransformerConfig config,
      boolean hostInit,
      DataParallel dp,
      Device device,
      int batch,
      int seq,
      int accum,
      int steps,
      int warmup,
      boolean bf16,
      boolean ckpt,
      boolean fullLogits,
      PrintStream console) {
    int vocab = (int) config.vocabSize();
    // the global data: accum x world micro-batches per step, dealt round-robin to the ranks
    Random r = new Random(1);
    List<TokenizedExample> rows = new ArrayList<>();
    for (int i = 0; i < batch * accum * dp.worldSize() * steps; i++) {
      long[] ids = new long[seq];
      for (int t = 0; t < seq; t++) {
        ids[t] = r.nextInt(vocab);
      }
      boolean[] trained = new boolean[seq];
      Arrays.fill(trained, true);
      rows.add(new TokenizedExample(ids, trained));
    }
    ai.fairl.engine.FusedOps ops = ai.fairl.engine.FusedOps.get();
    long[] stepNanos = new long[steps + 1];
    double[] stepTokens = new double[steps + 1];
    double[] lastLoss = {Double.NaN};
    TrainListener timer =
        new TrainListener() {
          @Override
          public void onStep(int step, double epoch, Map<String, Double> metrics) {
            if (step == steps) {
              ops.synchronize(); // the last optimizer step included
            }
            stepNanos[step] = System.nanoTime();
            stepTokens[step] = metrics.get("num_tokens");
            lastLoss[0] = metrics.get("loss");
            if (console != null) {
              console.printf(
                  Locale.ROOT,
                  "step %d loss %.6f grad_norm %.4f%n",
                  step,
                  metrics.get("loss"),
                  metrics.get("grad_norm"));
            }
          }
        };
    Path out;
    try {
      out = Files.createTempDirectory("fairl-dp-bench");
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    try (NDManager root = NDManager.newBaseManager(device);
        TransformerModel m =
            hostInit
                ? TransformerModel.create(config, root, DataType.FLOAT32, 1)
                : TransformerModel.random(config, root, DataType.FLOAT32, 1)) {
      if (bf16) {
        m.setComputeType(DataType.BFLOAT16);
      }
      if (ckpt) {
        GradientCheckpointing.enable(m);
      }
      if (dp instanceof FullySharded fs) {
        fs.install(m);
      }
      if (device.isGpu()) {
        ops.resetPeakMemory(device.getDeviceId());
      }
      Trainable trainable = new FullFineTune(m, null);
      // as the recipe path (the chunked label log-prob kernel with fairl-native), or through the
      // full fp32 logits (loss=logits, the comparison)
      LogitsFunction f =
          fullLogits
              ? (ids, mask, tr) -> m.forward(ids, mask, null, null, tr).logits()
              : LogitsFunction.of(m);
      ListSource<TokenizedExample, TokenBatch> src =
          new ListSource<>(rows, batch, l -> Collators.tokens(l, 0), 1, false, false);
      TrainConfig c =
          TrainConfig.builder(out)
              .learningRate(1e-4)
              .warmupSteps(0)
              .gradientAccumulationSteps(accum)
              .maxSteps(steps)
              .loggingSteps(1)
              .saveSteps(0)
              .build();
      long params = trainable.parameters().values().stream().mapToLong(a -> a.size()).sum();
      TrainListener memory =
          new TrainListener() {
            @Override
            public void onStep(int step, double epoch, Map<String, Double> metrics) {
              if (console != null && (step == 2 || step == steps)) {
                String shardInfo =
                    dp instanceof FullySharded fs
                        ? String.format(
                            Locale.ROOT,
                            " sharded_state_bytes=%d unsharded_state_bytes=%d",
                            fs.shardBytes(),
                            fs.unshardedBytes())
                        : "";
                String cuda =
                    device.isGpu()
                        ? ops.cudaMemory(device.getDeviceId())
                            .map(
                                mem ->
                                    String.format(
                                        Locale.ROOT,
                                        " cuda_allocated=%d cuda_peak_allocated=%d",
                                        mem.allocated(),
                                        mem.peakAllocated()))
                            .orElse(" cuda=n/a")
                        : "";
                console.printf(
                    Locale.ROOT, "MEMORY rank=%d step=%d%s%s%n", dp.rank(), step, shardInfo, cuda);
              }
            }
          };
      List<TrainListener> ls = dp.isMain() ? List.of(timer, memory) : List.of();
      new TrainLoop(c, ls, null, dp)
          .run(new TrainTask<>(new SftObjective(f), trainable, src, null));
      if (!dp.isMain()) {
        memory.onStep(steps, 0, Map.of()); // every rank's memory, printed to its own log
      }
      long peak =
          device.isGpu()
              ? ops.cudaMemory(device.getDeviceId()).map(x -> x.peakAllocated()).orElse(-1L)
              : -1L;
      if (!dp.isMain() || steps <= warmup) {
        return new Measured(Double.NaN, Double.NaN, params, peak, lastLoss[0]);
      }
      double seconds = (stepNanos[steps] - stepNanos[warmup]) / 1e9;
      double tokens = stepTokens[steps] - stepTokens[warmup];
      return new Measured(tokens / seconds, seconds / (steps - warmup), params, peak, lastLoss[0]);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    } finally {
      try {
        Checkpoints.deleteTree(out);
      } catch (java.io.IOException e) {
        // a temporary folder left behind; the numbers stand
      }
    }
  }

  private static DataParallel dataParallel(
      WorldEnv world, Device device, String mode, PrintStream console) {
    if (world.worldSize() == 1) {
      return DataParallel.single();
    }
    if (mode.equals("sync")) {
      DataParallel dp =
          Training.dataParallel(world, device, BucketPlan.DEFAULT_CAP_BYTES, 0, console);
      ReplicatedGradients r = (ReplicatedGradients) dp;
      return r.withoutOverlap();
    }
    int stage = mode.equals("zero3") ? 3 : mode.equals("zero2") ? 2 : 0;
    return Training.dataParallel(world, device, BucketPlan.DEFAULT_CAP_BYTES, stage, console);
  }

  private static String sarg(String[] args, String name, String def) {
    for (String a : args) {
      if (a.startsWith(name + "=")) {
        return a.substring(name.length() + 1);
      }
    }
    return def;
  }

  private static int arg(String[] args, String name, int def) {
    for (String a : args) {
      if (a.startsWith(name + "=")) {
        return Integer.parseInt(a.substring(name.length() + 1));
      }
    }
    return def;
  }
}
