package ai.fairl.notebook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs Debian's {@code jupyter_kernel_test} (python3-jupyter-kernel-test, installed by
 * scripts/install-prereqs.sh) against the fairl-java kernel: kernel_info, execute (stdout, stderr,
 * result, display data), errors, complete, inspect, is_complete and history. It calls
 * /usr/bin/python3 because the first python3 on PATH may lack Debian's Jupyter modules.
 */
class ConformanceTest {
  static final String PYTHON = "/usr/bin/python3";

  @Test
  void passesJupyterKernelTest(@TempDir Path dir) throws Exception {
    assertTrue(
        Files.isExecutable(Path.of(PYTHON)),
        PYTHON + " is missing: run scripts/install-prereqs.sh (python3-jupyter-kernel-test)");
    KernelSpecs.writeSpec(
        dir.resolve("jupyter/kernels/fairl-java"),
        "FAI-RL (Java)",
        KernelSpecs.ownKernelArgv(List.of("-Xmx512m"), null));
    Path script = dir.resolve("test_fairl_kernel.py");
    try (var in = getClass().getResourceAsStream("/conformance/test_fairl_kernel.py")) {
      Files.copy(in, script);
    }
    Path log = dir.resolve("unittest.log");
    ProcessBuilder pb =
        new ProcessBuilder(PYTHON, "-m", "unittest", "-v", "test_fairl_kernel")
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    pb.environment().put("JUPYTER_PATH", dir.resolve("jupyter").toString());
    pb.environment().put("JUPYTER_DATA_DIR", dir.resolve("jupyter-data").toString());
    pb.environment().put("PYDEVD_DISABLE_FILE_VALIDATION", "1");
    Process p = pb.start();
    boolean done = p.waitFor(180, TimeUnit.SECONDS);
    if (!done) {
      p.destroyForcibly();
    }
    String out = Files.readString(log);
    System.out.println(out);
    assertTrue(done, "jupyter_kernel_test did not finish in 180 s:\n" + out);
    assertEquals(0, p.exitValue(), "jupyter_kernel_test failed:\n" + out);
    assertTrue(out.contains("OK"), out);
    for (String t :
        List.of(
            "test_kernel_info",
            "test_execute_stdout",
            "test_execute_stderr",
            "test_error",
            "test_execute_result",
            "test_display_data",
            "test_completion",
            "test_inspect",
            "test_is_complete",
            "test_history")) {
      assertTrue(
          out.contains(t + " ") && !out.matches("(?s).*" + t + " \\([^)]*\\) \\.\\.\\. skipped.*"),
          t + " did not run:\n" + out);
    }
  }
}
