package ai.fairl.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code fairl}: the umbrella command. */
@Command(
    name = "fairl",
    mixinStandardHelpOptions = true,
    versionProvider = Version.class,
    description = "FAI-RL for Java: fine-tune, run and evaluate LLMs with FAI-RL recipes.",
    footer = {"", "Exit status: 0 done, 2 usage or recipe error, 1 runtime failure."})
final class FairlCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    throw new UsageException(
        "missing command",
        "use: fairl train|inference|eval|recipe|native|doctor|api-check ... (fairl --help)");
  }
}
