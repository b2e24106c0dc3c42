package ai.fairl.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.fairl.data.Collators;
import ai.fairl.data.TokenizedExample;
import ai.fairl.model.TransformerConfig;
import ai.fairl.model.TransformerModel;
import ai.fairl.model.lora.LoraConfig;
import ai.fairl.model.lora.LoraModel;
import ai.fairl.train.sft.SftObjective;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Training throughput on the CPU for a tiny model: prints training tokens/s and peak resident
 * memory ({@code VmHWM} from {@code /proc/self/status}). A benchmark, not a test: it prints numbers
 * and asserts nothing.
 *
 * <pre>
 * java -cp ... ai.fairl.train.TrainBenchmark [steps=30] [batch=8] [seq=128] [hidden=64] [layers=2] [mode=full|lora] [checkpointing=true]
 * </pre>
 */
public final class TrainBenchmark {
  private TrainBenchmark() {}

  public static void main(String[] args) throws Exception {
    int steps = arg(args, "steps", 30);
    int batch = arg(args, "batch", 8);
    int seq = arg(args, "seq", 128);
    int hidden = arg(args, "hidden", 64);
    int layers = arg(args, "layers", 2);
    String mode = args.length > 0 && String.join(" ", args).contains("mode=lora") ? "lora" : "full";
    boolean checkpointing = String.join(" ", args).contains("checkpointing=true");
    int vocab = 256;
    Random r = new Random(1);
    List<TokenizedExample> rows = new ArrayList<>();
    for (int i = 0; i < batch * 4; i++) {
      long[] ids = new long[seq];
      for (int t = 0; t < seq; t++) {
        ids[t] = r.nextInt(vocab);
      }
      boolean[] trained = new boolean[seq];
      Arrays.fill(trained, true);
      rows.add(new TokenizedExample(ids, trained));
    }
    Path out = Files.createTempDirectory("fairl-bench");
    try (NDManager root = NDManager.newBaseManager();
        TransformerModel m =
            TransformerModel.create(
                TransformerConfig.tiny("llama", vocab, hidden, layers),
                root,
                DataType.FLOAT32,
                1)) {
      Trainable trainable =
          mode.equals("lora")
              ? LoraModel.inject(
                  m,
                  new LoraConfig(
                      8,
                      16,
                      0,
                      List.of(
                          "q_proj",
                          "k_proj",
                          "v_proj",
                          "o_proj",
                          "gate_proj",
                          "up_proj",
                          "down_proj"),
                      null,
                      null,
                      null),
                  1,
                  "tiny")
              : new FullFineTune(m, null);
      if (checkpointing) {
        GradientCheckpointing.enable(m);
      }
      LogitsFunction f =
          LogitsFunction.of(m); // as the recipe path: the chunked kernel with fairl-native
      ListSource<TokenizedExample, TokenBatch> src =
          new ListSource<>(rows, batch, l -> Collators.tokens(l, 0), 1, true, false);
      // Warm-up steps are not timed.
      TrainConfig warm =
          TrainConfig.builder(out.resolve("warm"))
              .learningRate(1e-3)
              .warmupSteps(0)
              .gradientAccumulationSteps(1)
              .maxSteps(3)
              .saveSteps(0)
              .build();
      new TrainLoop(warm, List.of(), null)
          .run(new TrainTask<>(new SftObjective(f), trainable, src, null));
      TrainConfig c =
          TrainConfig.builder(out.resolve("run"))
              .learningRate(1e-3)
              .warmupSteps(0)
              .gradientAccumulationSteps(1)
              .maxSteps(steps)
              .loggingSteps(steps)
              .saveSteps(0)
              .build();
      TrainResult res =
          new TrainLoop(c, List.of(), null)
              .run(new TrainTask<>(new SftObjective(f), trainable, src, null));
      System.out.printf(
          Locale.ROOT,
          "train-bench mode=%s checkpointing=%s hidden=%d layers=%d batch=%d seq=%d steps=%d threads(OMP)=%s:"
              + " %.0f training tokens/s, peak RSS (VmHWM) %s, final loss %.4f%n",
          mode,
          checkpointing,
          hidden,
          layers,
          batch,
          seq,
          steps,
          System.getenv("OMP_NUM_THREADS"),
          res.tokensPerSecond(),
          vmHwm(),
          res.losses().get(res.losses().size() - 1));
    } finally {
      Checkpoints.deleteTree(out);
    }
  }

  /**
   * Bytes of the NDArrays {@code manager} and its sub-managers hold now (a view that shares storage
   * counts again, so this is an upper bound of the memory behind them).
   */
  public static long liveBytes(NDManager manager) {
    long n = 0;
    for (NDArray a : manager.getManagedArrays()) {
      if (!a.isReleased()) {
        n += a.size() * a.getDataType().getNumOfBytes();
      }
    }
    return n;
  }

  static String vmHwm() throws java.io.IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmHWM:")) {
        return line.substring(6).trim();
      }
    }
    return "n/a";
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
