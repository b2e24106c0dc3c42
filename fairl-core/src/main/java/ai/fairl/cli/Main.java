package ai.fairl.cli;

import java.util.Arrays;

/** Process entry for the launchers in bin/: {@code Main <tool> [args...]}. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    if (args.length == 0) {
      System.err.println(
          "usage: ai.fairl.cli.Main fairl|fai-rl-train|fai-rl-inference|fai-rl-eval [args]");
      System.exit(2);
    }
    System.exit(Cli.run(args[0], Arrays.copyOfRange(args, 1, args.length)));
  }
}
