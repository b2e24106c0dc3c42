package ai.fairl.train;

import ai.djl.ndarray.NDArray;
import ai.fairl.engine.FusedOps;
import ai.fairl.model.Linear;
import ai.fairl.model.PlainWeightStore;
import ai.fairl.model.TransformerModel;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.IdentityHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * What {@code fai-rl-train --debug} prints besides the first batch: at the start, parameter counts
 * (trainable and total), and the dtypes, devices and storage kinds of the weights; then, for the
 * first {@code steps} optimizer steps, the loss, gradient norm and learning rate with the memory in
 * use (JVM heap, process RSS and its peak, and the CUDA allocator's current and peak bytes on a GPU
 * with fairl-native).
 *
 * <p>Trainable means "has a gradient attached" when the run starts: all weights under full
 * fine-tuning, the adapters (and trained biases) under LoRA. Quantised projections count their
 * logical elements (out x in), not their packed bytes; their storage bytes are listed apart.
 */
public final class DebugListener implements TrainListener {
  private final TransformerModel model;
  private final PrintStream console;
  private final int steps;

  /**
   * @param model the policy being trained (its base weights and adapters are counted)
   * @param console where the lines go
   * @param steps how many first steps get a line (at least 1)
   */
  public DebugListener(TransformerModel model, PrintStream console, int steps) {
    if (steps < 1) {
      throw new IllegalArgumentException("debug steps must be >= 1, got " + steps);
    }
    this.model = model;
    this.console = console;
    this.steps = steps;
  }

  @Override
  public void onStart(RunInfo run) {
    console.print(parameterReport(model));
  }

  @Override
  public void onStep(int step, double epoch, Map<String, Double> metrics) {
    if (step > steps) {
      return;
    }
    console.printf(
        Locale.ROOT,
        "debug: step %d loss %s grad_norm %s lr %s | %s%n",
        step,
        fmt(metrics.get("loss")),
        fmt(metrics.get("grad_norm")),
        fmt(metrics.get("learning_rate")),
        memoryLine(model.device().isGpu() ? model.device().getDeviceId() : -1));
  }

  /** Parameter counts, dtypes, devices and storage of a model, several lines. */
  public static String parameterReport(TransformerModel model) {
    long total = 0;
    long trainable = 0;
    Map<String, Long> byKind = new TreeMap<>();
    Map<NDArray, Boolean> seen = new IdentityHashMap<>();
    for (Map.Entry<String, NDArray> e : model.parameters().entrySet()) {
      NDArray p = e.getValue();
      if (seen.put(p, Boolean.TRUE) != null) {
        continue; // tied weights count once
      }
      long n = p.size();
      total += n;
      if (p.hasGradient()) {
        trainable += n;
      }
      byKind.merge(p.getDataType() + " on " + p.getDevice(), n, Long::sum);
    }
    long quantised = 0;
    long quantisedBytes = 0;
    Map<String, Long> stores = new TreeMap<>();
    for (Linear l : model.linears().values()) {
      if (!(l.weightStore() instanceof PlainWeightStore)) {
        long n = (long) l.inFeatures() * l.outFeatures();
        quantised += n;
        quantisedBytes += l.weightStore().storageBytes();
        stores.merge(l.weightStore().getClass().getSimpleName(), 1L, Long::sum);
      }
    }
    total += quantised;
    long adapters = 0;
    for (NDArray a : model.adapterParameters().values()) {
      if (seen.put(a, Boolean.TRUE) != null) {
        continue;
      }
      adapters += a.size();
      total += a.size();
      if (a.hasGradient()) {
        trainable += a.size();
      }
      byKind.merge(a.getDataType() + " on " + a.getDevice() + " (adapters)", a.size(), Long::sum);
    }
    StringBuilder sb = new StringBuilder();
    sb.append(
        String.format(
            Locale.ROOT,
            "debug: parameters: %,d trainable of %,d total (%.2f%%)%n",
            trainable,
            total,
            total > 0 ? 100.0 * trainable / total : 0.0));
    for (Map.Entry<String, Long> e : byKind.entrySet()) {
      sb.append(String.format(Locale.ROOT, "debug:   %,d as %s%n", e.getValue(), e.getKey()));
    }
    if (quantised > 0) {
      sb.append(
          String.format(
              Locale.ROOT,
              "debug:   %,d in quantised projections %s, %,d bytes stored%n",
              quantised,
              stores,
              quantisedBytes));
    }
    if (adapters > 0) {
      sb.append(String.format(Locale.ROOT, "debug:   %,d in adapters%n", adapters));
    }
    return sb.toString();
  }

  /**
   * JVM heap in use, process RSS and its peak (Linux), and on a GPU the CUDA allocator's bytes
   * where the engine reports them; {@code gpu} is the device id or -1 for none.
   */
  static String memoryLine(int gpu) {
    Runtime rt = Runtime.getRuntime();
    StringBuilder sb = new StringBuilder();
    sb.append("heap ").append(mib(rt.totalMemory() - rt.freeMemory()));
    long[] rss = rss();
    if (rss != null) {
      sb.append(", rss ").append(mib(rss[0])).append(" (peak ").append(mib(rss[1])).append(')');
    }
    if (gpu >= 0) {
      var cuda = FusedOps.get().cudaMemory(gpu);
      if (cuda.isPresent()) {
        sb.append(", cuda allocated ")
            .append(mib(cuda.get().allocated()))
            .append(" (peak ")
            .append(mib(cuda.get().peakAllocated()))
            .append(')');
      } else {
        sb.append(", cuda memory not reported by this engine (fairl-native reports it)");
      }
    }
    return sb.toString();
  }

  /** {VmRSS, VmHWM} in bytes from /proc/self/status, or null where there is none. */
  private static long[] rss() {
    Path status = Path.of("/proc/self/status");
    if (!Files.isReadable(status)) {
      return null;
    }
    long cur = -1;
    long peak = -1;
    try {
      for (String line : Files.readAllLines(status)) {
        if (line.startsWith("VmRSS:")) {
          cur = Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        } else if (line.startsWith("VmHWM:")) {
          peak = Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
      }
    } catch (IOException | NumberFormatException e) {
      return null;
    }
    return cur >= 0 && peak >= 0 ? new long[] {cur, peak} : null;
  }

  private static String mib(long bytes) {
    return String.format(Locale.ROOT, "%.1f MiB", bytes / (1024.0 * 1024.0));
  }

  private static String fmt(Double v) {
    return v == null ? "-" : String.format(Locale.ROOT, "%.6g", v);
  }
}
