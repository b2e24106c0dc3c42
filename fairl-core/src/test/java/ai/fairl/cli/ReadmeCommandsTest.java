package ai.fairl.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every README command that drives a recipe ({@code fai-rl-train}, {@code fai-rl-inference}, {@code
 * fai-rl-eval}, {@code fairl recipe|train|inference|eval}) parses and exits 0, from a directory
 * other than the checkout. Engines are stand-ins that record the call (the engines have their own
 * tests). The other commands (demo, doctor, bench, native, notebook) and shell pipelines run for
 * real in fairl-notebook's DocsCommandsIT after packaging.
 */
class ReadmeCommandsTest {

  @AfterEach
  void clear() {
    Engines.FORCED.clear();
  }

  static List<String> readmeCommands() throws IOException {
    List<String> cmds = new ArrayList<>();
    for (String line : Files.readAllLines(CliRun.root().resolve("README.md"))) {
      for (String part : line.split("&&")) {
        String t = part.strip();
        if (t.startsWith("bin/")) {
          int hash = t.indexOf(" #");
          String cmd = (hash > 0 ? t.substring(0, hash) : t).strip();
          if (drivesARecipe(cmd)) {
            cmds.add(cmd);
          }
        }
      }
    }
    return cmds;
  }

  static boolean drivesARecipe(String cmd) {
    if (cmd.matches(".*(\\|\\||\\||;|>|\\$).*")) {
      return false; // shell pipelines: DocsCommandsIT runs them through bash
    }
    String[] w = cmd.split("\\s+");
    String tool = w[0].substring("bin/".length());
    if (tool.startsWith("fai-rl-")) {
      return true;
    }
    return tool.equals("fairl")
        && w.length > 1
        && List.of("recipe", "train", "inference", "eval").contains(w[1]);
  }

  static List<String> expandGlobs(List<String> args) throws IOException {
    List<String> out = new ArrayList<>();
    for (String a : args) {
      if (!a.contains("*")) {
        out.add(a);
        continue;
      }
      PathMatcher m = FileSystems.getDefault().getPathMatcher("glob:" + a);
      try (Stream<Path> s = Files.walk(CliRun.root().resolve("recipes"))) {
        s.map(p -> CliRun.root().relativize(p))
            .filter(m::matches)
            .sorted()
            .forEach(p -> out.add(p.toString()));
      }
    }
    return out;
  }

  @Test
  void everyReadmeCommandRuns(@TempDir Path tmp) throws IOException {
    List<String> cmds = readmeCommands();
    assertTrue(cmds.size() >= 5, "README recipe commands found: " + cmds);
    Engines.FORCED.put(TrainRunner.class, (TrainRunner) (r, o) -> {});
    Engines.FORCED.put(InferenceRunner.class, (InferenceRunner) (r, o) -> {});
    Engines.FORCED.put(EvalRunner.class, (EvalRunner) (r, o) -> {});
    for (String cmd : cmds) {
      List<String> words = new ArrayList<>(List.of(cmd.split("\\s+")));
      String tool = words.remove(0).substring("bin/".length());
      Path work = Files.createTempDirectory(tmp, "run");
      CliRun r = CliRun.run(tool, work, expandGlobs(words).toArray(String[]::new));
      assertEquals(0, r.code, cmd + "\n" + r);
    }
  }
}
