package ai.fairl.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every command in README.md and docs/*.md runs, as a user would run it, after the build has
 * packaged the jars: each {@code ```bash} block is one test, run with {@code bash -euo pipefail}
 * from a scratch folder that links the checkout's {@code bin/}, {@code recipes/}, {@code configs/},
 * {@code scripts/}, {@code notebooks/} and {@code docs/}, so outputs land there and not in the
 * repo.
 *
 * <p>A block that cannot run here says so right above it with {@code <!-- docs-test: skip: WHY
 * -->}, where WHY names what covers it instead (the GPU, the test suite itself, ...). Such blocks
 * are listed in the test names, never skipped silently.
 */
class DocsCommandsIT {
  private static final Pattern BLOCK =
      Pattern.compile(
          "(<!--\\s*docs-test:\\s*skip:\\s*(?<why>[^>]*?)\\s*-->\\s*\\n)?```bash\\n(?<body>.*?)```",
          Pattern.DOTALL);

  static Path root() {
    String r = System.getProperty("fairl.root");
    if (r == null) {
      throw new IllegalStateException("system property fairl.root is not set (run through Maven)");
    }
    return Path.of(r);
  }

  record Block(Path file, int line, String body, String skipWhy) {}

  static List<Block> blocks() throws IOException {
    List<Path> files = new ArrayList<>();
    files.add(root().resolve("README.md"));
    try (Stream<Path> docs = Files.list(root().resolve("docs"))) {
      docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(files::add);
    }
    List<Block> out = new ArrayList<>();
    for (Path f : files) {
      String text = Files.readString(f, StandardCharsets.UTF_8);
      Matcher m = BLOCK.matcher(text);
      while (m.find()) {
        int line = (int) text.substring(0, m.start("body")).chars().filter(c -> c == '\n').count();
        out.add(new Block(f, line, m.group("body"), m.group("why")));
      }
    }
    return out;
  }

  @TestFactory
  Stream<DynamicTest> everyCommandRuns(@TempDir Path scratch) throws IOException {
    for (String d : List.of("bin", "recipes", "configs", "scripts", "notebooks", "docs")) {
      if (Files.exists(root().resolve(d))) {
        Files.createSymbolicLink(scratch.resolve(d), root().resolve(d));
      }
    }
    List<Block> all = blocks();
    assertFalse(all.isEmpty(), "README.md and docs/ have no ```bash blocks");
    return all.stream()
        .map(
            b -> {
              String name = root().relativize(b.file()) + ":" + b.line();
              if (b.skipWhy() != null) {
                return DynamicTest.dynamicTest(
                    name + " (not run here: " + b.skipWhy() + ")",
                    () ->
                        assertTrue(
                            b.skipWhy().length() > 10,
                            name + ": a skipped block must say what covers it instead"));
              }
              return DynamicTest.dynamicTest(name, () -> run(b, scratch, name));
            });
  }

  private static void run(Block b, Path cwd, String name) throws Exception {
    Path log = Files.createTempFile("docs-cmd", ".log");
    ProcessBuilder pb =
        new ProcessBuilder("bash", "-euo", "pipefail", "-c", b.body())
            .directory(cwd.toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    // bin/ is linked into the scratch folder; the launchers must still find the checkout's jars.
    pb.environment().put("FAIRL_HOME", root().toString());
    pb.environment().put("FAIRL_DATASETS_DIR", root().resolveSibling("shared/data").toString());
    pb.environment().put("OMP_NUM_THREADS", "2");
    Process p = pb.start();
    boolean done = p.waitFor(300, TimeUnit.SECONDS);
    if (!done) {
      p.destroyForcibly();
    }
    String out = Files.readString(log, StandardCharsets.UTF_8);
    Files.deleteIfExists(log);
    String tail = out.length() > 4000 ? out.substring(out.length() - 4000) : out;
    assertTrue(done, name + ": still running after 300 s\n" + tail);
    assertEquals(
        0, p.exitValue(), name + ": exit " + p.exitValue() + "\n" + b.body() + "\n" + tail);
  }
}
