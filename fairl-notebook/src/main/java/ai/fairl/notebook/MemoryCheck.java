/*
 * The kernel's memory across re-runs and an interrupt, driven through the Jupyter protocol as a
 * notebook user would: a training cell three times in one kernel, %fairl_memory after each, then a
 * long training cell interrupted through interrupt_request, %fairl_memory, and one more small cell.
 * What it asserts: the open tensors under DJL's managers return to their count before the first
 * run after every run and after the interrupt (models, optimizer state, KV caches and rollouts
 * closed); on a GPU the CUDA allocator's allocated, reserved and peak bytes after runs 2 and 3 and
 * after the interrupt stay at run 1's (run 1 leaves PyTorch's own per-process allocations, e.g.
 * cuBLAS workspaces, which no tensor of ours holds); on the CPU the resident set after run 3 stays
 * within a margin of run 1's (glibc keeps freed pages, so RSS is not exact).
 * Simplified: one recipe, three identical runs, one interrupt; margins are fixed constants.
 */
package ai.fairl.notebook;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** {@code fairl notebook memory-check}: see the file comment. */
public final class MemoryCheck {
  /** RSS growth allowed from run 1 to run 3 on the CPU (allocator slack, JIT, class metadata). */
  static final long RSS_MARGIN = 96L << 20;

  /** GPU bytes allowed above run 1's figures (allocator rounding of small blocks). */
  static final long GPU_MARGIN = 8L << 20;

  private MemoryCheck() {}

  /** What to run. {@code body} is the training cell's YAML overrides (one run, a few steps). */
  public record Options(
      List<String> kernelArgv,
      Path workDir,
      Map<String, String> env,
      String recipe,
      String body,
      String interruptBody,
      boolean gpu,
      Duration cellTimeout) {}

  /** One measurement: the phase, the figures and the %fairl_memory table as text. */
  public record Row(String phase, Map<String, Long> bytes, String table, double seconds) {
    long get(String key) {
      Long v = bytes.get(key);
      return v == null ? -1 : v;
    }
  }

  /** The rows, and what failed (empty when everything held). */
  public record Result(List<Row> rows, List<String> failures) {
    public boolean ok() {
      return failures.isEmpty();
    }

    /** A Markdown table of the rows (MiB), for the notes. */
    public String markdown() {
      StringBuilder sb = new StringBuilder();
      sb.append(
          "| phase | s | open tensors | tensor MiB | VmRSS MiB | VmHWM MiB | heap MiB |"
              + " GPU allocated MiB | GPU reserved MiB | GPU peak MiB |\n");
      sb.append("|---|---|---|---|---|---|---|---|---|---|\n");
      for (Row r : rows) {
        sb.append(
            String.format(
                Locale.ROOT,
                "| %s | %.1f | %d | %s | %s | %s | %s | %s | %s | %s |\n",
                r.phase(),
                r.seconds(),
                r.get("live_tensors"),
                mib(r.get("live_tensor_bytes")),
                mib(r.get("vm_rss")),
                mib(r.get("vm_hwm")),
                mib(r.get("heap_used")),
                mib(r.get("gpu_allocated")),
                mib(r.get("gpu_reserved")),
                mib(r.get("gpu_peak_allocated"))));
      }
      return sb.toString();
    }
  }

  static String mib(long bytes) {
    return bytes < 0 ? "n/a" : String.format(Locale.ROOT, "%.1f", bytes / 1048576.0);
  }

  /** Runs the check in a fresh kernel; progress lines go to {@code log}. */
  public static Result run(Options o, PrintStream log) throws IOException, InterruptedException {
    List<Row> rows = new ArrayList<>();
    List<String> failures = new ArrayList<>();
    String magic = "%%fairl_train " + o.recipe() + (o.gpu() ? " --gpu" : "") + "\n";
    try (KernelClient k =
        KernelClient.start(o.kernelArgv(), o.workDir(), o.env(), Duration.ofSeconds(120))) {
      rows.add(measure(k, "before any run", 0, o, failures));
      for (int i = 1; i <= 3; i++) {
        long t0 = System.nanoTime();
        AtomicInteger updates = new AtomicInteger();
        KernelClient.Reply r =
            k.execute(
                magic + o.body().replace("{run}", "run-" + i),
                o.cellTimeout(),
                m -> {
                  if ("update_display_data".equals(KernelClient.type(m))) {
                    updates.incrementAndGet();
                  }
                });
        double secs = (System.nanoTime() - t0) / 1e9;
        if (!r.status().equals("ok")) {
          failures.add("training run " + i + " failed: " + r.content() + streams(r));
          break;
        }
        log.printf(
            Locale.ROOT,
            "memory-check: run %d done in %.1f s (%d live chart updates)%n",
            i,
            secs,
            updates.get());
        if (updates.get() < 3) {
          failures.add("run " + i + ": only " + updates.get() + " update_display_data messages");
        }
        rows.add(measure(k, "after run " + i, secs, o, failures));
      }
      if (failures.isEmpty()) {
        rows.add(interrupted(k, magic, o, log, failures));
        long t0 = System.nanoTime();
        KernelClient.Reply small = k.execute("int two = 1 + 1;\ntwo", o.cellTimeout(), m -> {});
        if (!small.status().equals("ok")
            || !small.messages("execute_result").toString().contains("\"text/plain\":\"2\"")) {
          failures.add("the small cell after the interrupt did not answer 2: " + small.iopub());
        }
        rows.add(measure(k, "after a small cell", (System.nanoTime() - t0) / 1e9, o, failures));
      }
      k.shutdown(Duration.ofSeconds(20));
    }
    if (failures.isEmpty()) {
      failures.addAll(flatness(rows, o.gpu()));
    }
    return new Result(rows, failures);
  }

  /** A long training cell, interrupted through the kernel once two live updates have arrived. */
  private static Row interrupted(
      KernelClient k, String magic, Options o, PrintStream log, List<String> failures)
      throws InterruptedException {
    AtomicInteger updates = new AtomicInteger();
    long t0 = System.nanoTime();
    CompletableFuture<KernelClient.Reply> cell =
        CompletableFuture.supplyAsync(
            () ->
                k.execute(
                    magic + o.interruptBody(),
                    o.cellTimeout(),
                    m -> {
                      if ("update_display_data".equals(KernelClient.type(m))) {
                        updates.incrementAndGet();
                      }
                    }));
    long deadline = System.currentTimeMillis() + o.cellTimeout().toMillis();
    while (updates.get() < 2 && !cell.isDone() && System.currentTimeMillis() < deadline) {
      Thread.sleep(50);
    }
    if (cell.isDone()) {
      failures.add("the long training cell ended before it could be interrupted");
    } else {
      JsonObject ir = k.interrupt(Duration.ofSeconds(30));
      log.println("memory-check: interrupt sent, reply " + ir);
    }
    KernelClient.Reply r;
    try {
      r = cell.get(o.cellTimeout().toSeconds(), TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      failures.add("the interrupted cell did not end: " + e);
      return new Row("after the interrupt", Map.of(), "", 0);
    }
    double secs = (System.nanoTime() - t0) / 1e9;
    String text = streams(r);
    if (!r.status().equals("ok") || !text.contains("stopped after")) {
      failures.add("the interrupted run did not stop at a step boundary: " + r.content() + text);
    }
    log.printf(Locale.ROOT, "memory-check: interrupted run ended after %.1f s%n", secs);
    return measure(k, "after the interrupt", secs, o, failures);
  }

  private static String streams(KernelClient.Reply r) {
    StringBuilder sb = new StringBuilder();
    for (JsonObject m : r.messages("stream")) {
      sb.append(m.getAsJsonObject("content").get("text").getAsString());
    }
    return sb.toString();
  }

  /** %fairl_memory (the table a user sees), then the same figures as JSON. */
  private static Row measure(
      KernelClient k, String phase, double secs, Options o, List<String> failures) {
    KernelClient.Reply shown = k.execute("%fairl_memory", o.cellTimeout(), m -> {});
    String table = "";
    if (shown.status().equals("ok") && !shown.messages("execute_result").isEmpty()) {
      table =
          shown
              .messages("execute_result")
              .get(0)
              .getAsJsonObject("content")
              .getAsJsonObject("data")
              .get("text/plain")
              .getAsString();
    } else {
      failures.add(phase + ": %fairl_memory failed: " + shown.iopub());
    }
    KernelClient.Reply r =
        k.execute("System.out.println(MemoryReport.now().json());", o.cellTimeout(), m -> {});
    Map<String, Long> bytes = new LinkedHashMap<>();
    String out = streams(r).strip();
    try {
      JsonObject j = JsonParser.parseString(out.substring(out.lastIndexOf('{'))).getAsJsonObject();
      j.entrySet().forEach(e -> bytes.put(e.getKey(), e.getValue().getAsLong()));
    } catch (RuntimeException e) {
      failures.add(phase + ": no memory figures from the kernel: " + out + r.content());
    }
    return new Row(phase, bytes, table, secs);
  }

  /** The assertions of the file comment; empty when they hold. */
  static List<String> flatness(List<Row> rows, boolean gpu) {
    List<String> f = new ArrayList<>();
    Row before = rows.get(0);
    Row first = rows.get(1);
    for (Row r : rows.subList(1, rows.size())) {
      if (r.get("live_tensors") != before.get("live_tensors")) {
        f.add(
            r.phase()
                + ": "
                + r.get("live_tensors")
                + " open tensors ("
                + mib(r.get("live_tensor_bytes"))
                + " MiB), "
                + before.get("live_tensors")
                + " before any run: the run left tensors open");
      }
      if (gpu) {
        if (r.get("gpu_allocated") < 0) {
          f.add(r.phase() + ": no CUDA allocator figures (is fairl-native loaded?)");
          continue;
        }
        aboveFirst(
            f, r, first, "gpu_allocated", "GPU allocated", "the run left GPU memory allocated");
        aboveFirst(
            f,
            r,
            first,
            "gpu_reserved",
            "GPU reserved",
            "the caching allocator kept more reserved");
        aboveFirst(
            f, r, first, "gpu_peak_allocated", "GPU peak", "a later run held more than the first");
      }
    }
    Row third = rows.stream().filter(r -> r.phase().equals("after run 3")).findFirst().orElse(null);
    // CPU runs only: there the tensors live in the resident set; on a GPU host it also holds the
    // CUDA runtime's host buffers and a JVM heap sized from a large machine's RAM
    if (!gpu && third != null && third.get("vm_rss") > first.get("vm_rss") + RSS_MARGIN) {
      f.add(
          "VmRSS grew from "
              + mib(first.get("vm_rss"))
              + " MiB after run 1 to "
              + mib(third.get("vm_rss"))
              + " MiB after run 3 (margin "
              + mib(RSS_MARGIN)
              + " MiB)");
    }
    return f;
  }

  /** A finding when {@code r}'s figure is above run 1's by more than the GPU margin. */
  private static void aboveFirst(
      List<String> f, Row r, Row first, String key, String what, String meaning) {
    if (r.get(key) > first.get(key) + GPU_MARGIN) {
      f.add(
          r.phase()
              + ": "
              + what
              + " "
              + mib(r.get(key))
              + " MiB, above run 1's "
              + mib(first.get(key))
              + " MiB: "
              + meaning);
    }
  }
}
