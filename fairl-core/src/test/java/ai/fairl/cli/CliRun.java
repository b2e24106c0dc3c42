package ai.fairl.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** Runs a CLI in-process with a given working directory and environment. */
final class CliRun {
  final int code;
  final String out;
  final String err;

  private CliRun(int code, String out, String err) {
    this.code = code;
    this.out = out;
    this.err = err;
  }

  /** Root of the checkout (the Surefire property fairl.root). */
  static Path root() {
    String r = System.getProperty("fairl.root");
    if (r == null) {
      throw new IllegalStateException("system property fairl.root is not set (run through Maven)");
    }
    return Path.of(r);
  }

  /** CPU-only environment unless {@code env} says otherwise. */
  static CliRun run(String tool, Path workDir, Map<String, String> env, String... args) {
    Map<String, String> e = new HashMap<>();
    e.put("CUDA_VISIBLE_DEVICES", "");
    e.putAll(env);
    StringWriter o = new StringWriter();
    StringWriter er = new StringWriter();
    int code = Cli.run(tool, args, new PrintWriter(o), new PrintWriter(er), e, workDir);
    return new CliRun(code, o.toString(), er.toString());
  }

  static CliRun run(String tool, Path workDir, String... args) {
    return run(tool, workDir, Map.of(), args);
  }

  @Override
  public String toString() {
    return "exit " + code + "\n--- stdout\n" + out + "--- stderr\n" + err;
  }
}
