package ai.fairl.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Keeps DJL's tensor-by-number {@code mul/div/pow/maximum/minimum} out of the main code: on the CPU
 * their scalar can be freed before the backward pass reads it (see {@link Scalars}). Flags a
 * literal, a cast, or a name the same file declares as a primitive number.
 */
class ScalarOpsSourceTest {
  private static final Pattern CALL =
      Pattern.compile("\\.(mul|div|pow|maximum|minimum)\\(\\s*([^()]*(\\([^()]*\\))?[^()]*)\\)");
  private static final Pattern NUMBER_ARG =
      Pattern.compile("^-?\\(?\\s*(\\((float|double|int|long)\\)|-?\\d|1\\s*-|Math\\.)");
  private static final Pattern PRIMITIVE_DECL =
      Pattern.compile("\\b(float|double|int|long)\\s+([a-zA-Z_]\\w*)\\s*[=;,)]");

  @Test
  void mainCodeUsesScalarsForTensorByNumberOps() throws IOException {
    List<String> bad = new ArrayList<>();
    Path root = Path.of(System.getProperty("fairl.root", ".."));
    for (String module : List.of("fairl-core", "fairl-notebook")) {
      Path src = root.resolve(module).resolve("src/main/java");
      try (Stream<Path> files = Files.walk(src)) {
        for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
          if (f.getFileName().toString().equals("Scalars.java")) {
            continue;
          }
          bad.addAll(check(f, Files.readAllLines(f)));
        }
      }
    }
    assertTrue(
        bad.isEmpty(),
        "use ai.fairl.engine.Scalars for tensor-by-number ops (DJL's may free the scalar before"
            + " the backward pass on the CPU):\n"
            + String.join("\n", bad));
  }

  @Test
  void theCheckFindsLiteralsCastsAndPrimitiveNames() {
    List<String> lines =
        List.of(
            "double beta = 0.1;",
            "a.mul(2f);",
            "a.div((float) n);",
            "a.mul(beta);",
            "a.pow(-0.5);",
            "a.mul(mask);",
            "Math.pow(2, 3);",
            "a.maximum(b.sum());");
    List<String> found = check(Path.of("X.java"), lines);
    assertEquals(4, found.size(), found.toString());
  }

  private static List<String> check(Path file, List<String> lines) {
    Set<String> primitives = new HashSet<>();
    for (String l : lines) {
      Matcher d = PRIMITIVE_DECL.matcher(l);
      while (d.find()) {
        primitives.add(d.group(2));
      }
    }
    List<String> bad = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      String l = lines.get(i);
      if (l.trim().startsWith("*") || l.trim().startsWith("//")) {
        continue;
      }
      Matcher m = CALL.matcher(l);
      while (m.find()) {
        if (m.start() >= 4 && l.startsWith("Math", m.start() - 4)) {
          continue;
        }
        String arg = m.group(2).trim();
        if (NUMBER_ARG.matcher(arg).find() || primitives.contains(arg)) {
          bad.add(file + ":" + (i + 1) + ": " + l.trim());
        }
      }
    }
    return bad;
  }
}
