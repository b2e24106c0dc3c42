package ai.fairl.notebook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** papermill's conventions, end to end through {@code fairl notebook run} (NotebookCli). */
class NotebookRunnerTest {

  static JsonObject code(String source, String... tags) {
    JsonObject c = new JsonObject();
    c.addProperty("cell_type", "code");
    c.addProperty("id", Integer.toHexString(source.hashCode()));
    JsonObject md = new JsonObject();
    JsonArray t = new JsonArray();
    for (String tag : tags) {
      t.add(tag);
    }
    md.add("tags", t);
    c.add("metadata", md);
    c.add("outputs", new JsonArray());
    c.add("execution_count", null);
    c.add("source", NotebookJson.lines(source));
    return c;
  }

  static Path notebook(Path dir, String name, JsonObject... cells) throws Exception {
    JsonObject nb = new JsonObject();
    JsonArray a = new JsonArray();
    for (JsonObject c : cells) {
      a.add(c);
    }
    nb.add("cells", a);
    JsonObject md = new JsonObject();
    JsonObject ks = new JsonObject();
    ks.addProperty("name", "fairl-java");
    ks.addProperty("display_name", "FAI-RL (Java)");
    ks.addProperty("language", "java");
    md.add("kernelspec", ks);
    nb.add("metadata", md);
    nb.addProperty("nbformat", 4);
    nb.addProperty("nbformat_minor", 5);
    Path p = dir.resolve(name);
    NotebookJson.write(nb, p);
    return p;
  }

  record Cli(int rc, String err) {}

  static Cli cli(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int rc =
        NotebookCli.run(
            args,
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Cli(rc, err.toString(StandardCharsets.UTF_8));
  }

  static String outputsText(JsonObject cell) {
    StringBuilder sb = new StringBuilder();
    for (var o : cell.getAsJsonArray("outputs")) {
      JsonObject out = o.getAsJsonObject();
      if (out.has("text")) {
        sb.append(NotebookJson.text(out.get("text")));
      }
      if (out.has("data") && out.getAsJsonObject("data").has("text/plain")) {
        sb.append(NotebookJson.text(out.getAsJsonObject("data").get("text/plain")));
      }
    }
    return sb.toString();
  }

  @Test
  void injectsTypedParametersAfterTheParametersCellAndRecordsMetadata(@TempDir Path dir)
      throws Exception {
    Path params = dir.resolve("p.yaml");
    Files.writeString(params, "steps: 3\nmodel: from-yaml\nlayers: [2, 4]\n");
    Path in =
        notebook(
            dir,
            "in.ipynb",
            code(
                "double lr = 0.1;\nint steps = 1;\nString model = \"tiny\";\nboolean gpu = false;",
                "parameters"),
            code(
                "System.out.println(lr * 2 + \" \" + steps + \" \" + model + \" \" + gpu + \" \" + layers);"));
    Path out = dir.resolve("out.ipynb");
    Cli r =
        cli(
            "run",
            in.toString(),
            out.toString(),
            "-f",
            params.toString(),
            "-p",
            "lr",
            "1",
            "-p",
            "model",
            "7");
    assertEquals(0, r.rc(), r.err());
    JsonObject nb = NotebookJson.read(out);
    List<JsonObject> cells = NotebookJson.cells(nb);
    assertEquals(3, cells.size());
    assertEquals(List.of("injected-parameters"), NotebookJson.tags(cells.get(1)));
    String injected = NotebookJson.text(cells.get(1).get("source"));
    assertTrue(injected.contains("double lr = 1.0;"), injected);
    assertTrue(injected.contains("int steps = 3;"), injected);
    assertTrue(
        injected.contains("String model = \"7\";"),
        "-p wins over -f and keeps the declared type: " + injected);
    assertTrue(injected.contains("var layers = java.util.List.of(2, 4);"), injected);
    assertEquals("2.0 3 7 false [2, 4]\n", outputsText(cells.get(2)));
    JsonObject pm = nb.getAsJsonObject("metadata").getAsJsonObject("papermill");
    assertFalse(pm.get("exception").getAsBoolean());
    assertEquals(3, pm.getAsJsonObject("parameters").get("steps").getAsInt());
    for (JsonObject c : cells) {
      JsonObject cpm = c.getAsJsonObject("metadata").getAsJsonObject("papermill");
      assertEquals("completed", cpm.get("status").getAsString());
      assertTrue(cpm.get("duration").getAsDouble() >= 0);
    }
    assertEquals(
        "java",
        nb.getAsJsonObject("metadata").getAsJsonObject("language_info").get("name").getAsString());
    // a second run replaces the injected cell instead of adding another
    Path again = dir.resolve("again.ipynb");
    Cli second =
        cli("run", out.toString(), again.toString(), "-f", params.toString(), "-p", "steps", "5");
    assertEquals(0, second.rc(), second.err());
    List<JsonObject> c2 = NotebookJson.cells(NotebookJson.read(again));
    assertEquals(3, c2.size());
    assertEquals(
        "// Parameters\nint steps = 5;\nString model = \"from-yaml\";\nvar layers = java.util.List.of(2, 4);\n",
        NotebookJson.text(c2.get(1).get("source")));
  }

  @Test
  void failingCellStopsTheRunFailsTheExitAndShowsTheErrorInPlace(@TempDir Path dir)
      throws Exception {
    Path in =
        notebook(
            dir,
            "fail.ipynb",
            code("int epochs = 1;", "parameters"),
            code("System.out.println(\"before\");"),
            code(
                "if (epochs > 3) throw new IllegalArgumentException(\"epochs too large: \" + epochs);"),
            code("System.out.println(\"never\");"));
    Path out = dir.resolve("fail.out.ipynb");
    Cli r = cli("run", in.toString(), out.toString(), "-p", "epochs", "5");
    assertEquals(1, r.rc(), r.err());
    assertTrue(r.err().contains("IllegalArgumentException: epochs too large: 5"), r.err());
    JsonObject nb = NotebookJson.read(out);
    List<JsonObject> cells = NotebookJson.cells(nb);
    // marker at the top, parameters, injected, 'before', anchor, failing cell, pending cell
    assertEquals(7, cells.size());
    assertEquals(List.of(NotebookRunner.ERROR_TAG), NotebookJson.tags(cells.get(0)));
    assertTrue(
        NotebookJson.text(cells.get(0).get("source")).contains("An Exception was encountered at"));
    assertTrue(
        NotebookJson.text(cells.get(4).get("source")).contains("id=\"papermill-error-cell\""));
    JsonObject failing = cells.get(5);
    JsonObject err = failing.getAsJsonArray("outputs").get(0).getAsJsonObject();
    assertEquals("error", err.get("output_type").getAsString());
    assertEquals("IllegalArgumentException", err.get("ename").getAsString());
    assertEquals(
        "failed",
        failing
            .getAsJsonObject("metadata")
            .getAsJsonObject("papermill")
            .get("status")
            .getAsString());
    JsonObject pending = cells.get(6);
    assertEquals(
        "pending",
        pending
            .getAsJsonObject("metadata")
            .getAsJsonObject("papermill")
            .get("status")
            .getAsString());
    assertEquals(0, pending.getAsJsonArray("outputs").size());
    assertTrue(
        nb.getAsJsonObject("metadata")
            .getAsJsonObject("papermill")
            .get("exception")
            .getAsBoolean());
  }

  @Test
  void outputIsValidNbformatForJupyter(@TempDir Path dir) throws Exception {
    Path in =
        notebook(
            dir,
            "v.ipynb",
            code(
                "var live = LiveChart.create(\"l\", \"x\", \"y\", 0);\nfor (int i = 1; i <= 3; i++) live.add(\"y\", i, i * i);\nlive.close();"),
            code("Table.create(\"t\", DoubleColumn.create(\"a\", 1, 2))"));
    Path out = dir.resolve("v.out.ipynb");
    assertEquals(0, cli("run", in.toString(), out.toString(), "--cwd", dir.toString()).rc());
    Process p =
        new ProcessBuilder(
                "/usr/bin/python3",
                "-c",
                "import nbformat,sys; nbformat.validate(nbformat.read(sys.argv[1], 4)); print('valid')",
                out.toString())
            .redirectErrorStream(true)
            .start();
    String said = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.waitFor(), said);
    assertTrue(said.contains("valid"), said);
    // the live chart's single output holds the final picture
    JsonObject first = NotebookJson.cells(NotebookJson.read(out)).get(0);
    assertEquals(1, first.getAsJsonArray("outputs").size());
  }

  @Test
  void badArgumentsExitTwoWithAHint(@TempDir Path dir) {
    Cli r = cli("run", dir.resolve("missing.ipynb").toString(), dir.resolve("o.ipynb").toString());
    assertEquals(2, r.rc());
    assertTrue(r.err().contains("input notebook not found"), r.err());
    assertEquals(2, cli("run", "a.ipynb").rc());
    assertEquals(2, cli("frobnicate").rc());
  }

  @Test
  void javaLiteralsFollowPapermillInference() {
    assertEquals(Boolean.TRUE, Parameters.infer("True"));
    assertEquals(null, Parameters.infer("None"));
    assertEquals(3L, Parameters.infer("3"));
    assertEquals(0.5, Parameters.infer("0.5"));
    assertEquals("abc", Parameters.infer("abc"));
    assertEquals(
        "// Parameters\nObject x = null;\nvar s = \"q\\\"\\u00e9\";\nlong n = 3L;\nvar m = java.util.Map.ofEntries(java.util.Map.entry(\"a\", 1));\n",
        Parameters.codify(
            new java.util.LinkedHashMap<>(java.util.Map.of()) {
              {
                put("x", null);
                put("s", "q\"é");
                put("n", 3L);
                put("m", Map.of("a", 1L));
              }
            },
            Map.of("n", "long")));
  }
}
