/*
 * `fairl bench`: GPU benchmarks of our Java stack next to the plain PyTorch baseline
 * (tools/bench/baseline.py), printed as a table and written as JSON after every row.
 *
 * Simplified: the baseline runs as a separate python3 process before our rows (same GPU, same
 * call, never at the same time); its JSON is read back for the side-by-side table. --tiny shrinks
 * every shape so the same harness runs on a CPU in seconds (numbers then mean nothing).
 */
package ai.fairl.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.fairl.engine.EngineInfo;
import ai.fairl.engine.FusedOps;
import ai.fairl.model.TransformerConfig;
import ai.fairl.train.CheckpointingBenchmark;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Prints the benchmark table and writes its JSON. */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description =
        "Benchmarks training, decoding, DPO, GRPO and QLoRA on random-init models with real"
            + " architectures, next to the PyTorch baseline (tools/bench/baseline.py).")
public final class BenchCommand implements Callable<Integer> {
  static final List<String> ROWS =
      List.of("sft", "sft_amp", "lora", "decode", "dpo", "grpo", "qlora", "checkpointing");

  @Option(names = "--device", defaultValue = "gpu", description = "gpu or cpu")
  String device;

  @Option(names = "--tiny", description = "tiny shapes (hidden 64, 2 layers): a CPU smoke run")
  boolean tiny;

  @Option(
      names = "--shapes",
      defaultValue = "Qwen2.5-0.5B,Llama-3.2-1B,Llama-3.2-3B",
      description = "comma-separated; DPO and GRPO run on the first only")
  String shapes;

  @Option(names = "--rows", defaultValue = "sft,sft_amp,lora,decode,dpo,grpo,qlora")
  String rows;

  @Option(names = "--batch", defaultValue = "8")
  int batch;

  @Option(names = "--seq", defaultValue = "512")
  int seq;

  @Option(names = "--warmup", defaultValue = "3")
  int warmup;

  @Option(names = "--steps", defaultValue = "10")
  int steps;

  @Option(names = "--out", defaultValue = "docs/bench/fairl-bench.json")
  Path out;

  @Option(names = "--card", description = "the card's name for the report (default: $FAIRL_CARD)")
  String card;

  @Option(
      names = "--baseline",
      description = "baseline JSON to compare with (read; written first when --baseline-script)")
  Path baseline;

  @Option(
      names = "--baseline-script",
      description = "run this baseline script (python3) first, writing --baseline")
  Path baselineScript;

  private final Map<String, Object> report = new LinkedHashMap<>();
  private final Map<String, Map<String, Object>> results = new LinkedHashMap<>();

  @Override
  public Integer call() throws Exception {
    List<String> rowList = List.of(rows.split(","));
    for (String r : rowList) {
      if (!ROWS.contains(r)) {
        System.err.println("bench: unknown row '" + r + "' in --rows; use some of " + ROWS);
        return 2;
      }
    }
    if (!device.equals("gpu") && !device.equals("cpu")) {
      System.err.println("bench: --device must be gpu or cpu, got '" + device + "'");
      return 2;
    }
    boolean gpu = device.equals("gpu");
    if (tiny) {
      batch = Math.min(batch, 2);
      seq = Math.min(seq, 32);
      warmup = Math.min(warmup, 1);
      steps = Math.min(steps, 2);
      shapes = "tiny-qwen2,tiny-llama";
    }
    if (baselineScript != null) {
      if (baseline == null) {
        baseline = out.resolveSibling("baseline.json");
      }
      runBaseline(rowList);
    }
    FusedOps ops = FusedOps.get();
    Device dev = gpu ? Device.gpu(0) : Device.cpu();
    DataType dt = gpu ? DataType.BFLOAT16 : DataType.FLOAT32;
    report.put("tool", "fairl bench");
    report.put("date", Instant.now().toString());
    report.put("card", card != null ? card : System.getenv().getOrDefault("FAIRL_CARD", "unknown"));
    report.put("engine", EngineInfo.current().describe());
    report.put("fused_ops", ops.isNative() ? "fairl-native" : "composite DJL");
    report.put("device", device);
    report.put("dtype", dt.toString().toLowerCase(Locale.ROOT));
    report.put("tiny", tiny);
    report.put("batch", batch);
    report.put("seq", seq);
    report.put("warmup", warmup);
    report.put("steps", steps);
    report.put(
        "tokens",
        "training: batch * seq per step, no padding; decode: new tokens; both sides synchronise"
            + " the device before reading clocks");
    report.put("rows", results);
    Files.createDirectories(out.toAbsolutePath().getParent());
    String[] names = shapes.split(",");
    try (NDManager root = NDManager.newBaseManager(dev)) {
      root.zeros(new ai.djl.ndarray.types.Shape(1)).close(); // initialise the device first
      BenchRows b = new BenchRows(root, ops, dt);
      int prompt = tiny ? 8 : 32;
      int newTokens = tiny ? 8 : 128;
      for (int i = 0; i < names.length; i++) {
        String name = names[i];
        TransformerConfig c = config(name);
        if (rowList.contains("sft")) {
          row(name, "sft_full", () -> b.sft(c, false, batch, seq, warmup, steps));
        }
        if (rowList.contains("sft_amp")) {
          row(name, "sft_amp", () -> b.sftRecipe(c, batch, seq, warmup, steps));
        }
        if (rowList.contains("lora")) {
          row(name, "lora_r8", () -> b.sft(c, true, batch, seq, warmup, steps));
        }
        if (rowList.contains("decode")) {
          row(name, "decode_b1", () -> b.decode(c, 1, prompt, newTokens));
          row(name, "decode_b64", () -> b.decode(c, tiny ? 4 : 64, prompt, newTokens));
          b.closeDecodeModel(); // shared by the two decode rows; gone before the next row
        }
        if (i == 0 && rowList.contains("dpo")) {
          row(name, "dpo", () -> b.dpo(c, Math.max(1, batch / 2), seq, warmup, steps));
        }
        if (i == 0 && rowList.contains("checkpointing")) {
          row(
              name,
              "checkpointing",
              () -> CheckpointingBenchmark.row(c, root, dt, batch, seq, Math.max(2, steps)));
        }
        if (i == 0 && rowList.contains("grpo")) {
          row(
              name,
              "grpo",
              () -> b.grpo(c, tiny ? 2 : 8, tiny ? 2 : 4, prompt, newTokens, tiny ? 1 : 3));
        }
      }
      if (rowList.contains("qlora")) {
        String q = tiny ? "tiny-llama" : "Llama-3-8B";
        row(q, "qlora", () -> b.qlora(config(q), tiny ? 1 : 2, seq, tiny ? 1 : 3));
      }
    }
    printTable();
    return 0;
  }

  private void runBaseline(List<String> rowList) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(System.getenv().getOrDefault("FAIRL_PYTHON", "python3"));
    cmd.add(baselineScript.toString());
    cmd.add("--out");
    cmd.add(baseline.toString());
    cmd.add("--shapes");
    cmd.add(shapes.toLowerCase(Locale.ROOT));
    cmd.add("--rows");
    cmd.add(String.join(",", rowList));
    cmd.add("--batch=" + batch);
    cmd.add("--seq=" + seq);
    cmd.add("--warmup=" + warmup);
    cmd.add("--steps=" + steps);
    System.out.println("bench: baseline: " + String.join(" ", cmd));
    int rc = new ProcessBuilder(cmd).inheritIO().start().waitFor();
    if (rc != 0) {
      System.err.println("bench: the baseline exited with " + rc + "; our rows run anyway");
    }
  }

  static TransformerConfig config(String name) {
    return switch (name) {
      case "tiny-qwen2" -> TransformerConfig.tiny("qwen2", 256, 64, 2);
      case "tiny-llama" -> TransformerConfig.tiny("llama", 256, 64, 2);
      default -> {
        // tiny-<family>-<hidden>x<layers>, e.g. tiny-llama-256x8: a CPU-sized shape, vocab 256
        java.util.regex.Matcher sized =
            java.util.regex.Pattern.compile("tiny-(\\w+)-(\\d+)x(\\d+)").matcher(name);
        yield sized.matches()
            ? TransformerConfig.tiny(
                sized.group(1),
                256,
                Integer.parseInt(sized.group(2)),
                Integer.parseInt(sized.group(3)))
            : TransformerConfig.named(name);
      }
    };
  }

  private void row(String shape, String key, Supplier<Map<String, Object>> work)
      throws IOException {
    long t0 = System.nanoTime();
    Map<String, Object> r;
    try {
      r = work.get();
    } catch (RuntimeException e) {
      r = new LinkedHashMap<>();
      r.put("error", e.getClass().getSimpleName() + ": " + e.getMessage());
      System.err.println("bench: " + shape + " " + key + " failed: " + e);
      if (Boolean.getBoolean("fairl.bench.trace")) {
        e.printStackTrace();
      }
    }
    r.put("wall_s", (System.nanoTime() - t0) / 1e9);
    results.computeIfAbsent(shape, s -> new LinkedHashMap<>()).put(key, r);
    System.out.println("ROW " + shape + " " + key + " " + GSON.toJson(r).replace("\n", ""));
    write();
  }

  private static final Gson GSON =
      new GsonBuilder().setPrettyPrinting().serializeSpecialFloatingPointValues().create();

  private void write() throws IOException {
    Path tmp = out.resolveSibling(out.getFileName() + ".tmp");
    Files.writeString(tmp, GSON.toJson(report) + "\n", StandardCharsets.UTF_8);
    Files.move(tmp, out, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
  }

  /** The first number of {@code key} in the baseline's row, or NaN. */
  private double base(JsonObject b, String shape, String row, String key) {
    if (b == null) {
      return Double.NaN;
    }
    JsonElement rs = b.get("rows");
    if (rs == null || !rs.isJsonObject()) {
      return Double.NaN;
    }
    JsonElement s = rs.getAsJsonObject().get(shape.toLowerCase(Locale.ROOT));
    if (s == null || !s.isJsonObject() || !s.getAsJsonObject().has(row)) {
      return Double.NaN;
    }
    JsonElement v = s.getAsJsonObject().getAsJsonObject(row).get(key);
    return v == null || v.isJsonNull() ? Double.NaN : v.getAsDouble();
  }

  private void printTable() throws IOException {
    JsonObject b = null;
    if (baseline != null && Files.isRegularFile(baseline)) {
      b = JsonParser.parseString(Files.readString(baseline)).getAsJsonObject();
    }
    System.out.printf(
        Locale.ROOT,
        "%n%s | %s | batch %d x %d%n",
        report.get("card"),
        report.get("engine"),
        batch,
        seq);
    System.out.printf(
        Locale.ROOT,
        "%-14s %-11s %-12s %14s %14s %7s %9s %9s%n",
        "shape",
        "row",
        "metric",
        "fairl",
        "baseline",
        "ratio",
        "peak GB",
        "loss f/b");
    for (Map.Entry<String, Map<String, Object>> s : results.entrySet()) {
      for (Map.Entry<String, Object> r : s.getValue().entrySet()) {
        @SuppressWarnings("unchecked")
        Map<String, Object> m = (Map<String, Object>) r.getValue();
        String metric =
            m.containsKey("tokens_per_s")
                ? "tokens_per_s"
                : m.containsKey("step_s") ? "step_s" : "peak_gb";
        if (r.getKey().equals("qlora")) {
          metric = "peak_gb";
        }
        double ours = num(m.get(metric));
        double theirs = base(b, s.getKey(), r.getKey(), metric);
        double ratio =
            metric.equals("tokens_per_s")
                ? ours / theirs
                : metric.equals("error") ? Double.NaN : theirs / ours;
        System.out.printf(
            Locale.ROOT,
            "%-14s %-11s %-12s %14.4g %14.4g %6.2fx %9.2f %4.2f/%4.2f%s%n",
            s.getKey(),
            r.getKey(),
            metric,
            ours,
            theirs,
            ratio,
            num(m.get("peak_gb")),
            num(m.get("last_loss")),
            base(b, s.getKey(), r.getKey(), "last_loss"),
            m.containsKey("error") ? "  ERROR " + m.get("error") : "");
      }
    }
    System.out.println("JSON: " + out);
  }

  private static double num(Object o) {
    return o instanceof Number n ? n.doubleValue() : Double.NaN;
  }
}
