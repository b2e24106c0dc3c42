package ai.fairl.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code fairl native build [args]}: runs {@code $FAIRL_HOME/fairl-native/build.sh}. */
@Command(
    name = "native",
    mixinStandardHelpOptions = true,
    description = "Build the optional C++ natives (fairl-native/build.sh, CMake against libtorch).",
    subcommands = {NativeCommand.Build.class})
final class NativeCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    throw new UsageException("missing subcommand", "use: fairl native build");
  }

  /** Runs the build script, passing the remaining arguments. */
  @Command(
      name = "build",
      mixinStandardHelpOptions = true,
      description = "Run fairl-native/build.sh.")
  static final class Build implements Callable<Integer> {
    @Parameters(arity = "0..*", paramLabel = "ARG", description = "Passed to build.sh.")
    List<String> args = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
      Session s = Cli.current();
      Path script = Cli.context(s).installRoot().resolve("fairl-native").resolve("build.sh");
      if (!Files.isRegularFile(script)) {
        throw new IllegalStateException(
            "fairl-native/build.sh not found under "
                + script.getParent().getParent()
                + " (the native module is not in this install)");
      }
      List<String> cmd = new ArrayList<>(List.of("bash", script.toString()));
      cmd.addAll(args);
      Process p =
          new ProcessBuilder(cmd).directory(script.getParent().toFile()).inheritIO().start();
      return p.waitFor() == 0 ? 0 : 1;
    }
  }
}
