package ai.fairl.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Options shared by fai-rl-train, fai-rl-inference and fai-rl-eval. */
final class CommonOptions {
  @Option(
      names = "--recipe",
      paramLabel = "FILE",
      description =
          "The YAML recipe (FAI-RL format). Without it, overrides must give every required key.")
  Path recipe;

  @Option(
      names = "--dry-run",
      description =
          "Print the fully resolved recipe (defaults, origins, notes; secrets as ***) and exit.")
  boolean dryRun;

  @Option(names = "--debug", description = "Verbose diagnostics; errors include the stack trace.")
  boolean debug;

  @Option(
      names = "--nohup",
      description = "Run detached in the background, logging to logs/<name>_<timestamp>.log.")
  boolean nohup;

  @Option(
      names = "--classpath",
      paramLabel = "PATHS",
      description =
          "Extra jars or class folders (':'-separated) with your own rewards or engines; also"
              + " FAIRL_CLASSPATH.")
  String classpath;

  @Parameters(
      paramLabel = "key=value",
      arity = "0..*",
      description =
          "Overrides, e.g. training.learning_rate=1e-5 data.datasets[0].name=my.jsonl"
              + " inference.do_sample=false. Values are YAML; null/None unsets a key.")
  List<String> overrides = new ArrayList<>();
}
