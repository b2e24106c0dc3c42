package ai.fairl.notebook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 11's memory check on the CPU: a GRPO training cell (generation with a KV cache, rewards,
 * AdamW) three times in one kernel with %fairl_memory after each, then a long one interrupted
 * through interrupt_request, %fairl_memory and a small cell. The open tensors under DJL's managers
 * must return to their count before the first run, and VmRSS stay within a margin.
 */
class MemoryCheckTest {
  @Test
  void trainingThreeTimesAndAnInterruptLeaveMemoryFlat(@TempDir Path dir) throws Exception {
    String root = System.getProperty("fairl.root");
    String recipe =
        root
            + "/recipes/training/grpo/tiny_arithmetic.yaml"
            + " training.per_device_train_batch_size=8 training.num_generations=4"
            + " training.max_completion_length=12";
    String body =
        "training:\n  max_steps: 2\n  save_steps: 2\n  logging_steps: 1\n  output_dir: "
            + dir.resolve("{run}")
            + "\n";
    String interrupt =
        "training:\n  max_steps: 100000\n  save_steps: 100000\n  logging_steps: 1\n  output_dir: "
            + dir.resolve("interrupted")
            + "\n";
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    MemoryCheck.Result r =
        MemoryCheck.run(
            new MemoryCheck.Options(
                KernelSpecs.ownKernelArgv(List.of("-Xmx768m", "-Dai.djl.offline=true"), null),
                Path.of(root),
                Map.of("FAIRL_HOME", root, "OMP_NUM_THREADS", "1"),
                recipe,
                body,
                interrupt,
                false,
                Duration.ofMinutes(3)),
            new PrintStream(log, true, StandardCharsets.UTF_8));
    System.out.print(log.toString(StandardCharsets.UTF_8));
    System.out.print(r.markdown());
    assertTrue(r.ok(), String.join("\n", r.failures()) + "\n" + r.markdown());
    assertEquals(6, r.rows().size(), r.markdown());
    assertTrue(r.rows().get(1).table().contains("open tensors"), r.rows().get(1).table());
    long during = r.rows().get(0).get("live_tensors");
    assertTrue(during >= 0, r.markdown());
  }

  @Test
  void flatnessNamesALeak() {
    Map<String, Long> clean = Map.of("live_tensors", 0L, "vm_rss", 100L << 20);
    Map<String, Long> leaked = Map.of("live_tensors", 12L, "vm_rss", 400L << 20);
    List<MemoryCheck.Row> rows =
        List.of(
            new MemoryCheck.Row("before any run", clean, "", 0),
            new MemoryCheck.Row("after run 1", clean, "", 1),
            new MemoryCheck.Row("after run 2", clean, "", 1),
            new MemoryCheck.Row("after run 3", leaked, "", 1));
    List<String> f = MemoryCheck.flatness(rows, false);
    assertEquals(2, f.size(), f.toString());
    assertTrue(f.get(0).startsWith("after run 3: 12 open tensors"), f.get(0));
    assertTrue(f.get(1).startsWith("VmRSS grew from 100.0 MiB after run 1 to 400.0 MiB"), f.get(1));
    Map<String, Long> gpu1 =
        Map.of(
            "live_tensors",
            0L,
            "gpu_allocated",
            10L << 20,
            "gpu_reserved",
            100L << 20,
            "gpu_peak_allocated",
            500L << 20,
            "vm_rss",
            1L);
    Map<String, Long> gpu2 =
        Map.of(
            "live_tensors",
            0L,
            "gpu_allocated",
            900L << 20,
            "gpu_reserved",
            2000L << 20,
            "gpu_peak_allocated",
            1500L << 20,
            "vm_rss",
            1L);
    List<String> g =
        MemoryCheck.flatness(
            List.of(
                new MemoryCheck.Row("before any run", gpu1, "", 0),
                new MemoryCheck.Row("after run 1", gpu1, "", 1),
                new MemoryCheck.Row("after run 2", gpu2, "", 1)),
            true);
    assertEquals(3, g.size(), g.toString());
    assertTrue(
        g.get(0).startsWith("after run 2: GPU allocated 900.0 MiB, above run 1's 10.0"), g.get(0));
  }

  @Test
  void openTensorsAreCountedUntilTheirManagerCloses() {
    long[] before = MemoryReport.countOpenTensors();
    try (ai.djl.ndarray.NDManager m = ai.djl.ndarray.NDManager.newBaseManager()) {
      m.ones(new ai.djl.ndarray.types.Shape(3)); // (3) fp32
      m.newSubManager().zeros(new ai.djl.ndarray.types.Shape(2, 2)); // (2, 2) fp32
      long[] during = MemoryReport.countOpenTensors();
      assertEquals(before[0] + 2, during[0]);
      assertEquals(before[1] + 28, during[1]);
    }
    assertEquals(before[0], MemoryReport.countOpenTensors()[0]);
  }
}
