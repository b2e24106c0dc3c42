package ai.fairl.setup;

import java.awt.GraphicsEnvironment;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * {@code fairl doctor}: what this machine offers FAI-RL, one line a check. Java, the tensor engine
 * (stock DJL or fairl-native with its PyTorch and CUDA versions), GPUs, fonts for charts, Jupyter
 * and the installed {@code fairl-java} kernel, and which keys are present -- never their values.
 */
public final class Doctor {

  /** One line of the report. {@code ok} false marks something a user may want to fix. */
  public record Check(String name, boolean ok, String detail) {
    @Override
    public String toString() {
      return String.format("%-4s %-10s %s", ok ? "ok" : "--", name, detail);
    }
  }

  private final Credentials credentials;
  private final Map<String, String> env;
  private final Supplier<String> engineReport;

  /**
   * @param engineReport describes the tensor engine; it may start the engine, so it runs last
   */
  public Doctor(Credentials credentials, Map<String, String> env, Supplier<String> engineReport) {
    this.credentials = credentials;
    this.env = Map.copyOf(env);
    this.engineReport = engineReport;
  }

  public List<Check> run() {
    List<Check> out = new ArrayList<>();
    out.add(
        new Check(
            "java",
            Runtime.version().feature() >= 17,
            "Java "
                + Runtime.version()
                + " ("
                + System.getProperty("java.vendor")
                + ") at "
                + System.getProperty("java.home")));
    out.add(
        new Check(
            "platform", true, System.getProperty("os.name") + " " + System.getProperty("os.arch")));
    out.add(gpus());
    out.add(fonts());
    out.add(jupyter());
    out.add(
        credentials
            .huggingFaceToken()
            .map(f -> new Check("hf token", true, "present (" + f.source() + ")"))
            .orElse(
                new Check(
                    "hf token",
                    true,
                    "none (public models only; set HF_TOKEN or run: fairl login huggingface)")));
    out.add(
        credentials
            .wandbKey(null)
            .map(f -> new Check("wandb key", true, "present (" + f.source() + ")"))
            .orElse(
                new Check(
                    "wandb key",
                    true,
                    "none (runs log to metrics.jsonl only; set WANDB_API_KEY or run: fairl login"
                        + " wandb)")));
    String engine;
    boolean engineOk;
    try {
      engine = engineReport.get();
      engineOk = true;
    } catch (RuntimeException | LinkageError e) {
      engine = "cannot start: " + e.getMessage();
      engineOk = false;
    }
    out.add(new Check("engine", engineOk, engine));
    return out;
  }

  private Check gpus() {
    String visible = env.get("CUDA_VISIBLE_DEVICES");
    List<String> lines =
        exec(List.of("nvidia-smi", "--query-gpu=name,memory.total", "--format=csv,noheader"));
    if (lines == null) {
      return new Check("gpus", true, "none found (nvidia-smi not available): training runs on CPU");
    }
    String d = lines.size() + " (" + String.join("; ", lines) + ")";
    if (visible != null) {
      d += ", CUDA_VISIBLE_DEVICES=" + visible;
    }
    return new Check("gpus", !lines.isEmpty(), d);
  }

  private static Check fonts() {
    try {
      String[] fams =
          GraphicsEnvironment.getLocalGraphicsEnvironment().getAvailableFontFamilyNames();
      boolean ok = fams.length > 0;
      return new Check(
          "fonts",
          ok,
          ok
              ? fams.length + " families (charts render text)"
              : "no fonts: charts lose their labels; install fonts-dejavu-core");
    } catch (Throwable e) { // AWT without fontconfig throws errors, not exceptions
      return new Check(
          "fonts",
          false,
          "AWT cannot list fonts (" + e + "); install fontconfig fonts-dejavu-core");
    }
  }

  private Check jupyter() {
    String python =
        Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3";
    // jupyter_client lists kernelspecs the way `jupyter kernelspec list` does; Debian's jupyter
    // command lacks that subcommand.
    List<String> out =
        exec(
            List.of(
                python,
                "-c",
                "from jupyter_client.kernelspec import KernelSpecManager as K;"
                    + "print('\\n'.join(K().find_kernel_specs()))"));
    if (out == null) {
      return new Check(
          "jupyter",
          false,
          "not found (no jupyter_client for "
              + python
              + "); install Jupyter, then run: fairl"
              + " notebook install");
    }
    boolean kernel = out.stream().anyMatch(l -> l.equals("fairl-java"));
    return new Check(
        "jupyter",
        kernel,
        kernel
            ? "kernel fairl-java installed (kernels: " + String.join(", ", out) + ")"
            : "found, but the fairl-java kernel is not installed; run: fairl notebook install");
  }

  /** Runs a command with a timeout; null when it cannot run or fails. */
  private static List<String> exec(List<String> cmd) {
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      if (!p.waitFor(20, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return null;
      }
      String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (p.exitValue() != 0) {
        return null;
      }
      return text.lines().map(String::trim).filter(l -> !l.isEmpty()).toList();
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }
}
