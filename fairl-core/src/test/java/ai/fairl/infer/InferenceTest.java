package ai.fairl.infer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.fairl.train.StopSignal;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class InferenceTest {
  @TempDir Path dir;
  final ByteArrayOutputStream consoleBytes = new ByteArrayOutputStream();
  final PrintStream console = new PrintStream(consoleBytes, true, StandardCharsets.UTF_8);

  Path dataset(int n) throws Exception {
    StringBuilder sb = new StringBuilder("persona,prompt,extra\n");
    for (int i = 0; i < n; i++) {
      sb.append("\"a \"\"pirate\"\", number ")
          .append(i)
          .append("\",\"say hi\nin ")
          .append(i)
          .append(" words\",x\n");
    }
    Path f = dir.resolve("data.csv");
    Files.writeString(f, sb.toString());
    return f;
  }

  InferenceSpec.Builder apiSpec(FakeProvider s, String model, Path data) {
    return InferenceSpec.builder()
        .model(model)
        .api(s.endpoint(model), null, null)
        .dataset(data.toString(), "test")
        .outputFile(dir.resolve("out/run.csv"))
        .systemPrompt("You are {persona}.\n")
        .userPrompt("{prompt}")
        .apiClient(2, 2, 2)
        .params(new GenerationParams(0.8, 0.9, 64, true));
  }

  static Map<String, String> env(ApiProvider p) {
    return Map.of(p == ApiProvider.GOOGLE ? "GOOGLE_API_KEY" : p.keyVariable(), FakeProvider.KEY);
  }

  @ParameterizedTest
  @EnumSource(ApiProvider.class)
  void apiInferenceEndToEndWritesFairlFilesWithoutTheKey(ApiProvider p) throws Exception {
    Path data = dataset(6);
    try (FakeProvider s = FakeProvider.start(p)) {
      InferenceSpec spec = apiSpec(s, ApiGeneratorTest.modelFor(p), data).apiProvider(p).build();
      InferenceResult r = Inference.run(spec, null, env(p)::get, new StopSignal(), console);
      assertTrue(r.complete());
      assertEquals(6, r.succeeded());
      List<List<String>> csv = Csv.read(r.csv());
      assertEquals(List.of("persona", "prompt", "response"), csv.get(0));
      assertEquals(7, csv.size());
      assertEquals("a \"pirate\", number 3", csv.get(4).get(0));
      assertEquals("echo: say hi\nin 3 words", csv.get(4).get(2));
      assertEquals(6, Files.readAllLines(r.jsonl()).size());
      JsonObject sum = JsonParser.parseString(Files.readString(r.summary())).getAsJsonObject();
      assertEquals(6, sum.get("successful_examples").getAsInt());
      assertEquals(0, sum.get("failed_examples").getAsInt());
      assertEquals("api", sum.get("inference_type").getAsString());
      assertEquals(p.id(), sum.get("api_provider").getAsString());
      assertEquals(6 * 6, sum.getAsJsonObject("tokens").get("completion_tokens").getAsInt());
      assertNoSecret(FakeProvider.KEY);
      // the system turn went as the provider's system field
      assertEquals(6, s.prompts.size());
    }
  }

  void assertNoSecret(String secret) throws Exception {
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        assertFalse(Files.readString(f).contains(secret), "the key leaked into " + f);
      }
    }
    assertFalse(consoleBytes.toString(StandardCharsets.UTF_8).contains(secret), "key on console");
  }

  @Test
  void aRefusedRowIsRecordedAsFailedAndRetriedOnRerun() throws Exception {
    Path data = dataset(5);
    try (FakeProvider s = FakeProvider.start(ApiProvider.OPENAI)) {
      s.reject = u -> u.contains("in 2 words");
      InferenceSpec spec = apiSpec(s, "gpt-4o-mini", data).apiProvider(ApiProvider.OPENAI).build();
      InferenceResult r =
          Inference.run(spec, null, env(ApiProvider.OPENAI)::get, new StopSignal(), console);
      assertEquals(4, r.succeeded());
      assertEquals(1, r.failed());
      assertEquals(5, r.rows().size(), "the failed row keeps its place");
      RowResult bad = r.rows().get(2);
      assertFalse(bad.succeeded());
      assertTrue(
          bad.error().contains("HTTP 400") && bad.error().contains("refused by the test server"),
          bad.error());
      assertEquals("", Csv.read(r.csv()).get(3).get(2));
      JsonObject sum = JsonParser.parseString(Files.readString(r.summary())).getAsJsonObject();
      assertEquals(1, sum.get("failed_examples").getAsInt());
      assertTrue(
          sum.getAsJsonArray("failures")
              .get(0)
              .getAsJsonObject()
              .get("error")
              .getAsString()
              .contains("HTTP 400"));
      assertTrue(Files.readString(r.jsonl()).contains("\"status\":\"failed\""));

      s.reject = u -> false;
      s.prompts.clear();
      InferenceResult again =
          Inference.run(spec, null, env(ApiProvider.OPENAI)::get, new StopSignal(), console);
      assertEquals(List.of("say hi\nin 2 words"), s.prompts, "only the failed row is asked again");
      assertEquals(5, again.succeeded());
      assertEquals(4, again.reused());
    }
  }

  @Test
  void anInterruptedRunResumesWithoutRedoingFinishedRows() throws Exception {
    Path data = dataset(20);
    try (FakeProvider s = FakeProvider.start(ApiProvider.ANTHROPIC)) {
      StopSignal stop = new StopSignal();
      AtomicInteger answered = new AtomicInteger();
      s.onSuccess =
          () -> {
            if (answered.incrementAndGet() == 5) {
              stop.request("test interrupt");
            }
          };
      InferenceSpec spec =
          apiSpec(s, "claude-haiku-4-5", data)
              .apiProvider(ApiProvider.ANTHROPIC)
              .apiClient(1, 2, 2)
              .build();
      InferenceResult first =
          Inference.run(spec, null, env(ApiProvider.ANTHROPIC)::get, stop, console);
      assertFalse(first.complete());
      int done = first.rows().size();
      assertTrue(done >= 5 && done < 20, "stopped after the batch in flight: " + done);
      JsonObject sum = JsonParser.parseString(Files.readString(first.summary())).getAsJsonObject();
      assertFalse(sum.get("complete").getAsBoolean());
      assertEquals(20 - done, sum.get("unanswered_examples").getAsInt());

      Set<String> firstPrompts = new HashSet<>(s.prompts);
      s.prompts.clear();
      s.onSuccess = () -> {};
      InferenceResult second =
          Inference.run(spec, null, env(ApiProvider.ANTHROPIC)::get, new StopSignal(), console);
      assertTrue(second.complete());
      assertEquals(20 - done, s.prompts.size());
      for (String p : s.prompts) {
        assertFalse(firstPrompts.contains(p), "asked again: " + p);
      }
      assertEquals(done, second.reused());
      List<List<String>> csv = Csv.read(second.csv());
      assertEquals(21, csv.size());
      for (int i = 0; i < 20; i++) {
        assertEquals("echo: say hi\nin " + i + " words", csv.get(i + 1).get(2));
      }
      assertEquals(20, Files.readAllLines(second.jsonl()).size());
    }
  }

  @Test
  void aTornLastLineIsAskedAgain() throws Exception {
    Path data = dataset(3);
    ScriptedGenerator g = new ScriptedGenerator("m", 8, u -> "ok " + u.length());
    InferenceSpec spec =
        InferenceSpec.builder()
            .model("m")
            .dataset(data.toString(), "test")
            .outputFile(dir.resolve("t.csv"))
            .systemPrompt("{prompt}")
            .build();
    Inference.run(spec, (p, b) -> g, Map.<String, String>of()::get, new StopSignal(), console);
    List<String> lines = Files.readAllLines(dir.resolve("t.jsonl"));
    Files.writeString(
        dir.resolve("t.jsonl"),
        lines.get(0) + "\n" + lines.get(1) + "\n" + lines.get(2).substring(0, 20));
    g.seen.clear();
    InferenceResult r =
        Inference.run(spec, (p, b) -> g, Map.<String, String>of()::get, new StopSignal(), console);
    assertEquals(1, g.seen.size());
    assertEquals(3, r.succeeded());
    assertEquals(3, Files.readAllLines(dir.resolve("t.jsonl")).size());
  }

  @Test
  void debugPrintsEachPromptAndTheStartOfItsResponse() throws Exception {
    Path data = dataset(2);
    ScriptedGenerator g = new ScriptedGenerator("m", 8, u -> "x".repeat(300));
    InferenceSpec spec =
        InferenceSpec.builder()
            .model("m")
            .dataset(data.toString(), "test")
            .outputFile(dir.resolve("d.csv"))
            .systemPrompt("Persona {persona}")
            .userPrompt("{prompt}")
            .build();
    Inference.run(spec, (p, b) -> g, k -> null, new StopSignal(), console, true);
    String out = consoleBytes.toString(StandardCharsets.UTF_8);
    assertTrue(out.contains("SYSTEM:\nPersona a \"pirate\", number 1"), out);
    assertTrue(out.contains("PROMPT:\nsay hi\nin 0 words"), out);
    assertTrue(out.contains("RESPONSE:\n" + "x".repeat(200) + "...\n"), out);
    assertTrue(g.seen.get(0).chat(), "user_prompt selects chat mode");
  }

  @Test
  void aChangedPromptIsAskedAgain() throws Exception {
    Path data = dataset(3);
    ScriptedGenerator g = new ScriptedGenerator("m", 8, u -> "ok");
    InferenceSpec.Builder b =
        InferenceSpec.builder()
            .model("m")
            .dataset(data.toString(), "test")
            .outputFile(dir.resolve("t.csv"))
            .systemPrompt("{prompt}");
    Inference.run(b.build(), (p, bs) -> g, k -> null, new StopSignal(), console);
    g.seen.clear();
    Inference.run(
        b.systemPrompt("Q: {prompt}").build(), (p, bs) -> g, k -> null, new StopSignal(), console);
    assertEquals(3, g.seen.size());
  }

  @Test
  void hostedHookLoadedByClassNameShapesTheWire() throws Exception {
    Path data = dataset(3);
    try (FakeProvider s = FakeProvider.start(ApiProvider.HOSTED)) {
      s.gateway = true;
      InferenceSpec spec =
          apiSpec(s, "scripted", data).hostedLlmConfig(GatewayHook.class.getName()).build();
      InferenceResult r =
          Inference.run(
              spec,
              null,
              Map.of("FAIRL_API_KEY", FakeProvider.KEY)::get,
              new StopSignal(),
              console);
      assertEquals(3, r.succeeded(), String.valueOf(r.rows()));
      assertEquals("echo: say hi\nin 1 words", r.rows().get(1).response());
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class,
              () ->
                  Inference.run(
                      apiSpec(s, "scripted", data).hostedLlmConfig("com.acme.Nope").build(),
                      null,
                      Map.of("FAIRL_API_KEY", FakeProvider.KEY)::get,
                      new StopSignal(),
                      console));
      assertTrue(
          e.getMessage().contains("com.acme.Nope") && e.getMessage().contains("--classpath"),
          e.getMessage());
    }
  }

  @Test
  void localCheckpointsAreBatchedAndComparedInOneRun() throws Exception {
    Path data = dataset(7);
    List<ScriptedGenerator> opened = new ArrayList<>();
    ModelLoader loader =
        (path, batch) -> {
          ScriptedGenerator g = new ScriptedGenerator(path, batch, u -> path + ":" + u.length());
          opened.add(g);
          return g;
        };
    InferenceSpec spec =
        InferenceSpec.builder()
            .modelPaths(List.of("ckpt/a", "ckpt/b"))
            .dataset(data.toString(), "test")
            .outputFile(dir.resolve("multi.json"))
            .systemPrompt("Persona: {persona}\nUser: {prompt}")
            .batchSize(3)
            .build();
    InferenceResult r = Inference.run(spec, loader, k -> null, new StopSignal(), console);
    assertEquals(14, r.rows().size());
    assertEquals(List.of(3, 3, 1), opened.get(0).batchSizes);
    assertFalse(opened.get(0).seen.get(0).chat(), "flat mode sends raw text");
    List<List<String>> csv = Csv.read(dir.resolve("multi.csv"));
    assertEquals(List.of("persona", "prompt", "checkpoint", "response"), csv.get(0));
    assertEquals("ckpt/a", csv.get(1).get(2));
    assertEquals("ckpt/b", csv.get(2).get(2));
    assertTrue(Files.exists(dir.resolve("multi_summary.json")));
    JsonObject sum =
        JsonParser.parseString(Files.readString(dir.resolve("multi_summary.json")))
            .getAsJsonObject();
    assertEquals("multi_checkpoint", sum.get("inference_type").getAsString());
    assertEquals(14, sum.get("total_expected_results").getAsInt());
    // a rerun loads no model at all
    opened.clear();
    Inference.run(spec, loader, k -> null, new StopSignal(), console);
    assertTrue(opened.isEmpty());
  }

  @Test
  void badRecipesGetMessagesThatNameTheKey() throws Exception {
    Path data = dataset(2);
    InferenceSpec.Builder b =
        InferenceSpec.builder()
            .model("m")
            .dataset(data.toString(), "test")
            .outputFile(dir.resolve("x.csv"));
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                Inference.run(
                    b.systemPrompt("no placeholders").build(),
                    (p, s) -> null,
                    k -> null,
                    new StopSignal(),
                    console));
    assertTrue(
        e.getMessage().startsWith("inference.system_prompt has no {column} placeholder"),
        e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                Inference.run(
                    b.systemPrompt("{nope}").build(),
                    (p, s) -> null,
                    k -> null,
                    new StopSignal(),
                    console));
    assertTrue(
        e.getMessage().contains("{nope}") && e.getMessage().contains("[persona, prompt, extra]"),
        e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                Inference.run(
                    b.systemPrompt("{prompt}").datasetColumns(List.of("persona", "topic")).build(),
                    (p, s) -> null,
                    k -> null,
                    new StopSignal(),
                    console));
    assertTrue(e.getMessage().contains("dataset_columns names topic"), e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                InferenceSpec.builder()
                    .modelPaths(List.of("a"))
                    .model("gpt-4o")
                    .api("https://api.openai.com/v1/chat/completions", null, null)
                    .build());
    assertTrue(e.getMessage().contains("model_paths"), e.getMessage());
    String before = System.getProperty("fairl.datasets.dir");
    System.setProperty("fairl.datasets.dir", dir.toString());
    try {
      IllegalArgumentException m =
          assertThrows(
              IllegalArgumentException.class,
              () ->
                  Inference.run(
                      b.dataset("org/missing", "test").systemPrompt("{prompt}").build(),
                      (p, s) -> null,
                      k -> null,
                      new StopSignal(),
                      console));
      assertTrue(
          m.getMessage().contains("FAIRL_DATASETS_DIR=" + dir)
              && m.getMessage().contains("unset FAIRL_DATASETS_DIR to download"),
          m.getMessage());
      System.clearProperty("fairl.datasets.dir");
      IllegalArgumentException f =
          assertThrows(
              IllegalArgumentException.class,
              () ->
                  Inference.run(
                      b.dataset("no such file.csv", "test").systemPrompt("{prompt}").build(),
                      (p, s) -> null,
                      k -> null,
                      new StopSignal(),
                      console));
      assertTrue(f.getMessage().contains("nor a Hub id"), f.getMessage());
    } finally {
      if (before == null) {
        System.clearProperty("fairl.datasets.dir");
      } else {
        System.setProperty("fairl.datasets.dir", before);
      }
    }
  }

  @Test
  void templatesFollowPythonFormat() {
    PromptTemplate t = new PromptTemplate("k", "{{\"answer\": \"{a}\"}} {b}");
    assertEquals(
        "{\"answer\": \"x\"} ['p', \"q's\"]",
        t.render(Map.of("a", "x", "b", List.of("p", "q's")), 0));
    assertThrows(IllegalArgumentException.class, () -> new PromptTemplate("k", "{a:.2f}"));
    assertThrows(IllegalArgumentException.class, () -> new PromptTemplate("k", "a } b"));
    assertEquals("A. x\nB. y\n3. z", Inference.labelled(List.of("x", "y", "z"), List.of("A", "B")));
    assertEquals("True", Values.str(true));
  }

  @Test
  void progressShowsRateAndEta() {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    Progress p = new Progress(new PrintStream(b, true, StandardCharsets.UTF_8), "gpt", 10, false);
    p.advance(10, 1);
    String line = b.toString(StandardCharsets.UTF_8);
    assertTrue(
        line.matches("gpt 10/10 \\[#{20}\\] 100% [0-9.]+ rows/s ETA done \\(1 failed\\)\\s*"),
        line);
    assertEquals("1:01:01", Progress.clock(3661));
  }

  @Test
  void csvRoundTripsQuotesCommasAndNewlines() throws Exception {
    Path f = dir.resolve("c.csv");
    Csv.write(f, List.of("a", "b"), List.of(List.of("x,\"y\"\nz", ""), List.of("é", "1")));
    assertEquals(
        List.of(List.of("a", "b"), List.of("x,\"y\"\nz", ""), List.of("é", "1")), Csv.read(f));
    assertTrue(Files.readString(f).startsWith("\"a\",\"b\"\n"));
  }
}
