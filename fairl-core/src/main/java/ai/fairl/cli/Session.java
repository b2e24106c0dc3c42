package ai.fairl.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;

/**
 * What one CLI invocation runs against: its tool name, streams, environment and working directory.
 * Tests create one per call; {@link Main} uses the process's.
 */
final class Session {
  final String tool;
  final PrintWriter out;
  final PrintWriter err;
  final Map<String, String> env;
  final Path workDir;
  boolean debug;

  Session(String tool, PrintWriter out, PrintWriter err, Map<String, String> env, Path workDir) {
    this.tool = tool;
    this.out = out;
    this.err = err;
    this.env = env;
    this.workDir = workDir;
  }

  void notice(String line) {
    err.println(tool + ": notice: " + line);
  }
}
