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
 *     [hidden=1024] [layers=8] [vocab=32000]
 * </pre>
 *
 * <p>Simplified: fp32 weights and compute (the trainer's GPU path today); heads fixed at 4 by
 * TransformerConfig.tiny.
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
    WorldEnv world = WorldEnv.fromEnv(System.getenv()).orElse(WorldEnv.single());
    Device device =
        Engine.getInstance().getGpuCount() > 0 ? Training.rankDevice(world) : Device.cpu();
    PrintStream console = System.out;
    // the global data: accum x world micro-batches per step, dealt round-robin to the ranks
    Random r = new Random(1);
    List<TokenizedExample> rows = new ArrayList<>();
    for (int i = 0; i < batch * accum * world.worldSize() * steps; i++) {
      long[] ids = new long[seq];
      for (int t = 0; t < seq; t++) {
        ids[t] = r.nextInt(vocab);
      }
      boolean[] trained = new boolean[seq];
      Arrays.fill(trained, true);
      rows.add(new TokenizedExample(ids, trained));
    }
    Path out = Files.createTempDirectory("fairl-dp-bench");
    long[] stepNanos = new long[steps + 1];
    double[] stepTokens = new double[steps + 1];
    TrainListener timer =
        new TrainListener() {
          @Override
          public void onStep(int step, double epoch, Map<String, Double> metrics) {
            stepNanos[step] = System.nanoTime();
            stepTokens[step] = metrics.get("num_tokens");
            console.printf(
                Locale.ROOT,
                "step %d loss %.6f grad_norm %.4f%n",
                step,
                metrics.get("loss"),
                metrics.get("grad_norm"));
          }
        };
    try (DataParallel dp =
            Training.dataParallel(world, device, BucketPlan.DEFAULT_CAP_BYTES, console);
        NDManager root = NDManager.newBaseManager(device);
        TransformerModel m =
            TransformerModel.create(
                TransformerConfig.tiny("llama", vocab, hidden, layers),
                root,
                DataType.FLOAT32,
                1)) {
      Trainable trainable = new FullFineTune(m, null);
      LogitsFunction f = (ids, mask, tr) -> m.forward(ids, mask, null, null, tr).logits();
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
      new TrainLoop(c, List.of(timer), null, dp)
          .run(new TrainTask<>(new SftObjective(f), trainable, src, null));
      if (dp.isMain() && steps > 3) {
        double seconds = (stepNanos[steps] - stepNanos[2]) / 1e9;
        double tokens = stepTokens[steps] - stepTokens[2];
        console.printf(
            Locale.ROOT,
            "RESULT dp-bench world=%d device=%s params=%d hidden=%d layers=%d vocab=%d"
                + " batch=%d seq=%d accum=%d global_batch=%d steps=%d: %.0f tokens/s over"
                + " steps 3..%d%n",
            dp.worldSize(),
            device,
            params,
            hidden,
            layers,
            vocab,
            batch,
            seq,
            accum,
            batch * accum * dp.worldSize(),
            steps,
            tokens / seconds,
            steps);
      }
    } finally {
      Checkpoints.deleteTree(out);
    }
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
