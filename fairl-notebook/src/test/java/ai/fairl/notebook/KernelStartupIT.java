package ai.fairl.notebook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonParser;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kernel start-up as a user gets it (CONVENTIONS: measured to the first {@code %fairl_recipe}
 * result): {@code bin/fairl notebook install} from the packaged jars makes the class-data archive
 * and a kernelspec that uses it; then the installed kernel is started several times, with and
 * without the archive, and the time from process start to the first {@code %fairl_recipe} reply is
 * printed (wall clock and the kernel's CPU time, with the load average; a shared CI machine's wall
 * clock varies, so the test prints rather than asserts the timing). docs/notebooks.md quotes it.
 */
class KernelStartupIT {
  static final Path ROOT = Path.of(System.getProperty("fairl.root"));
  static final int RUNS = 3;

  @Test
  void installMakesAClassArchiveAndTheKernelStartsWithIt(@TempDir Path tmp) throws Exception {
    Path prefix = tmp.resolve("env");
    Process p =
        new ProcessBuilder(
                ROOT.resolve("bin/fairl").toString(),
                "notebook",
                "install",
                "--prefix",
                prefix.toString(),
                "--jvm-opt",
                "-Xmx1g",
                "--jvm-opt",
                "-Dai.djl.offline=true")
            .directory(ROOT.toFile())
            .redirectErrorStream(true)
            .start();
    assertTrue(p.waitFor(300, TimeUnit.SECONDS), "install did not finish in 300 s");
    String said = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.exitValue(), said);
    System.out.print(said);
    Path specDir = prefix.resolve("share/jupyter/kernels/fairl-java");
    List<String> argv = new ArrayList<>();
    JsonParser.parseString(Files.readString(specDir.resolve("kernel.json")))
        .getAsJsonObject()
        .getAsJsonArray("argv")
        .forEach(a -> argv.add(a.getAsString().replace("{resource_dir}", specDir.toString())));
    String flag = "-XX:SharedArchiveFile=" + specDir.resolve(ClassArchive.FILE);
    assertTrue(
        argv.contains(flag), "the kernelspec does not use the archive: " + argv + "\n" + said);
    assertTrue(Files.size(specDir.resolve(ClassArchive.FILE)) > 1_000_000, said);
    assertEquals(
        null,
        ClassArchive.checkMaps(
            argv.get(0), specDir.resolve(ClassArchive.FILE), argv.get(argv.indexOf("-cp") + 1)),
        "the archive must map with the kernelspec's classpath");

    List<String> without = new ArrayList<>(argv);
    without.remove(flag);
    long[][] with = measure(argv);
    long[][] plain = measure(without);
    System.out.printf(
        "fairl-java start-up to the first %%fairl_recipe result (median of %d, load average %.1f"
            + " on %d CPUs): with the class-data archive %d ms (kernel CPU %d ms), without %d ms"
            + " (kernel CPU %d ms)%n",
        RUNS,
        ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(),
        Runtime.getRuntime().availableProcessors(),
        median(with[0]),
        median(with[1]),
        median(plain[0]),
        median(plain[1]));
  }

  /** [wall ms per run, kernel CPU ms per run] to the first %fairl_recipe reply. */
  private static long[][] measure(List<String> argv) throws Exception {
    long[] wall = new long[RUNS];
    long[] cpu = new long[RUNS];
    for (int i = 0; i < RUNS; i++) {
      long t0 = System.nanoTime();
      try (KernelClient k =
          KernelClient.start(
              argv, ROOT, Map.of("FAIRL_HOME", ROOT.toString()), Duration.ofSeconds(120))) {
        KernelClient.Reply r =
            k.execute(
                "%fairl_recipe recipes/training/sft/tiny_sft.yaml",
                Duration.ofSeconds(120), m -> {});
        wall[i] = (System.nanoTime() - t0) / 1_000_000;
        cpu[i] = k.kernelCpuMillis();
        assertEquals("ok", r.status(), String.valueOf(r.messages("error")));
        assertTrue(
            r.messages("execute_result").toString().contains("model.base_model_name"),
            "the first %fairl_recipe shows the resolved keys: " + r.messages("execute_result"));
      }
    }
    return new long[][] {wall, cpu};
  }

  private static long median(long[] xs) {
    long[] s = xs.clone();
    Arrays.sort(s);
    return s[s.length / 2];
  }
}
