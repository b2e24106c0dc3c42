package ai.fairl.notebook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every shipped notebook (notebooks/*.ipynb): its committed form is clean (a first cell that says
 * what CPU mode shows and how to switch to a GPU and a real model, a {@code parameters} cell, no
 * absolute paths or secrets), and it executes headless both through {@code fairl notebook run} and
 * through Debian's {@code jupyter nbconvert --execute} with the fairl-java kernelspec.
 */
class NotebooksTest {
  static final Path ROOT = Path.of(System.getProperty("fairl.root"));
  static final Path NOTEBOOKS = ROOT.resolve("notebooks");
  static final Pattern ABSOLUTE = Pattern.compile("(/work/|/home/|/root/|/tmp/|/Users/|C:\\\\)");
  static final Pattern SECRET =
      Pattern.compile(
          "(sk-[A-Za-z0-9_-]{16,}|hf_[A-Za-z0-9]{16,}|sk-ant-[A-Za-z0-9_-]{16,}|Bearer [A-Za-z0-9._-]{16,})");

  @TempDir static Path tmp;

  static List<Path> notebooks() throws Exception {
    try (Stream<Path> s = Files.list(NOTEBOOKS)) {
      List<Path> all = s.filter(p -> p.toString().endsWith(".ipynb")).sorted().toList();
      assertFalse(all.isEmpty(), "no notebooks in " + NOTEBOOKS);
      return all;
    }
  }

  @TestFactory
  Stream<DynamicTest> committedNotebooksAreClean() throws Exception {
    return notebooks().stream()
        .map(
            nb ->
                DynamicTest.dynamicTest(
                    nb.getFileName().toString(),
                    () -> {
                      String text = Files.readString(nb);
                      assertFalse(
                          ABSOLUTE.matcher(text).find(),
                          nb + " holds an absolute path: " + find(ABSOLUTE, text));
                      assertFalse(
                          SECRET.matcher(text).find(), nb + " holds something like a secret");
                      JsonObject json = NotebookJson.read(nb);
                      List<JsonObject> cells = NotebookJson.cells(json);
                      JsonObject first = cells.get(0);
                      assertEquals("markdown", first.get("cell_type").getAsString());
                      String intro = NotebookJson.text(first.get("source"));
                      assertTrue(
                          intro.contains("CPU mode") && intro.contains("GPU"),
                          nb
                              + ": first cell must say what CPU mode shows and how to switch to a GPU");
                      assertTrue(
                          cells.stream().anyMatch(c -> NotebookJson.tags(c).contains("parameters")),
                          nb + " has no cell tagged 'parameters'");
                      assertTrue(
                          cells.stream()
                              .filter(c -> c.get("cell_type").getAsString().equals("code"))
                              .anyMatch(c -> c.getAsJsonArray("outputs").size() > 0),
                          nb + " is committed without outputs");
                    }));
  }

  private static String find(Pattern p, String text) {
    var m = p.matcher(text);
    if (!m.find()) {
      return "";
    }
    return text.substring(Math.max(0, m.start() - 60), Math.min(text.length(), m.end() + 60));
  }

  @TestFactory
  Stream<DynamicTest> notebooksRunHeadlessWithTheJavaRunner() throws Exception {
    return notebooks().stream()
        .map(
            nb ->
                DynamicTest.dynamicTest(
                    nb.getFileName().toString(),
                    () -> {
                      Path out = tmp.resolve("runner-" + nb.getFileName());
                      ByteArrayOutputStream err = new ByteArrayOutputStream();
                      long t0 = System.nanoTime();
                      int rc =
                          NotebookCli.run(
                              new String[] {
                                "run",
                                nb.toString(),
                                out.toString(),
                                "--cwd",
                                NOTEBOOKS.toString(),
                                "--execution-timeout",
                                "170"
                              },
                              System.out,
                              new PrintStream(err, true, StandardCharsets.UTF_8));
                      long secs = (System.nanoTime() - t0) / 1_000_000_000;
                      System.out.printf("fairl notebook run %s: %d s%n", nb.getFileName(), secs);
                      assertEquals(0, rc, err.toString(StandardCharsets.UTF_8));
                    }));
  }

  @TestFactory
  Stream<DynamicTest> notebooksRunUnderJupyterNbconvert() throws Exception {
    Path jupyter = tmp.resolve("jupyter");
    KernelSpecs.writeSpec(
        jupyter.resolve("kernels/fairl-java"),
        "FAI-RL (Java)",
        KernelSpecs.ownKernelArgv(List.of("-Dai.djl.offline=true"), null));
    return notebooks().stream()
        .map(
            nb ->
                DynamicTest.dynamicTest(
                    nb.getFileName().toString(),
                    () -> {
                      Path outDir = tmp.resolve("nbconvert");
                      Path log = tmp.resolve("nbconvert-" + nb.getFileName() + ".log");
                      ProcessBuilder pb =
                          new ProcessBuilder(
                                  "/usr/bin/jupyter",
                                  "nbconvert",
                                  "--to",
                                  "notebook",
                                  "--execute",
                                  "--ExecutePreprocessor.timeout=170",
                                  "--output-dir",
                                  outDir.toString(),
                                  nb.toString())
                              .directory(NOTEBOOKS.toFile())
                              .redirectErrorStream(true)
                              .redirectOutput(log.toFile());
                      pb.environment().put("JUPYTER_PATH", jupyter.toString());
                      pb.environment()
                          .put("JUPYTER_DATA_DIR", tmp.resolve("jupyter-data").toString());
                      pb.environment().put("PYDEVD_DISABLE_FILE_VALIDATION", "1");
                      long t0 = System.nanoTime();
                      Process p = pb.start();
                      boolean done = p.waitFor(300, TimeUnit.SECONDS);
                      if (!done) {
                        p.destroyForcibly();
                      }
                      long secs = (System.nanoTime() - t0) / 1_000_000_000;
                      System.out.printf(
                          "jupyter nbconvert --execute %s: %d s%n", nb.getFileName(), secs);
                      String said = Files.readString(log);
                      assertTrue(done, "nbconvert did not finish:\n" + said);
                      assertEquals(0, p.exitValue(), said);
                      assertTrue(Files.isRegularFile(outDir.resolve(nb.getFileName())), said);
                    }));
  }
}
