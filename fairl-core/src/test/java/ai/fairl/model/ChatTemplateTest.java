package ai.fairl.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Every chat template x every case renders exactly what @huggingface/jinja renders (expected.json,
 * produced by tools/golden/render_templates.mjs), errors included.
 */
class ChatTemplateTest {
  static Path dir() throws Exception {
    return Paths.get(ChatTemplateTest.class.getResource("/golden/chat/cases.json").toURI())
        .getParent();
  }

  static Object toJava(JsonElement e) {
    if (e == null || e.isJsonNull()) {
      return null;
    }
    if (e.isJsonArray()) {
      List<Object> l = new ArrayList<>();
      e.getAsJsonArray().forEach(x -> l.add(toJava(x)));
      return l;
    }
    if (e.isJsonObject()) {
      Map<String, Object> m = new LinkedHashMap<>();
      e.getAsJsonObject().entrySet().forEach(x -> m.put(x.getKey(), toJava(x.getValue())));
      return m;
    }
    var p = e.getAsJsonPrimitive();
    if (p.isBoolean()) {
      return p.getAsBoolean();
    }
    if (p.isNumber()) {
      double d = p.getAsDouble();
      return d == Math.rint(d) && !p.getAsString().contains(".")
          ? (Object) p.getAsLong()
          : (Object) d;
    }
    return p.getAsString();
  }

  @TestFactory
  List<DynamicTest> everyTemplateMatchesTheOracle() throws Exception {
    Path dir = dir();
    JsonObject spec =
        JsonParser.parseString(Files.readString(dir.resolve("cases.json"))).getAsJsonObject();
    JsonObject expected =
        JsonParser.parseString(Files.readString(dir.resolve("expected.json")))
            .getAsJsonObject()
            .getAsJsonObject("results");
    List<DynamicTest> tests = new ArrayList<>();
    for (var t : spec.getAsJsonObject("templates").entrySet()) {
      String name = t.getKey();
      ChatTemplate template =
          ChatTemplate.parse(
              Files.readString(
                  dir.resolve("templates/" + name + ".jinja"), StandardCharsets.UTF_8));
      for (var c : spec.getAsJsonObject("cases").entrySet()) {
        JsonObject want = expected.getAsJsonObject(name).getAsJsonObject(c.getKey());
        tests.add(
            DynamicTest.dynamicTest(
                name + "/" + c.getKey(),
                () -> {
                  @SuppressWarnings("unchecked")
                  Map<String, Object> vars = (Map<String, Object>) toJava(t.getValue());
                  @SuppressWarnings("unchecked")
                  Map<String, Object> cv = (Map<String, Object>) toJava(c.getValue());
                  vars.putAll(cv);
                  if (want.has("error")) {
                    ChatTemplate.TemplateException e =
                        assertThrows(
                            ChatTemplate.TemplateException.class, () -> template.render(vars));
                    assertEquals(want.get("error").getAsString(), e.getMessage());
                  } else {
                    assertEquals(want.get("output").getAsString(), template.render(vars));
                  }
                }));
      }
    }
    assertTrue(tests.size() >= 60, "expected every template x case, got " + tests.size());
    return tests;
  }

  @Test
  void realQwen3TokenizerConfigRendersThroughTheTokenizer() throws Exception {
    Path tk =
        Paths.get(System.getProperty("fairl.root", ".."))
            .resolve("build/fixtures/tokenizers/qwen3");
    assertTrue(
        Files.isRegularFile(tk.resolve("tokenizer.json")),
        "missing " + tk + ": run scripts/fetch-fixtures.sh");
    try (Tokenizer t = Tokenizer.load(tk)) {
      String s =
          t.applyChatTemplate(
              List.of(Tokenizer.message("user", "What is 2+2?")),
              true,
              Map.of("enable_thinking", false));
      assertEquals(
          "<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n",
          s);
      long[] ids = t.encode(s, false);
      assertEquals(t.tokenId("<|im_start|>"), ids[0]);
      assertEquals(s, t.decode(ids, false));
      assertEquals(List.of(t.tokenId("<|im_end|>")), t.eosTokenIds());
      assertEquals(t.tokenId("<|endoftext|>"), t.padTokenId());
    }
  }

  @Test
  void syntaxErrorsNameTheLine() {
    var e =
        assertThrows(
            ChatTemplate.TemplateException.class,
            () -> ChatTemplate.parse("a\n{% for x in %}\n{% endfor %}"));
    assertTrue(e.getMessage().contains("line 2"), e.getMessage());
    e =
        assertThrows(
            ChatTemplate.TemplateException.class, () -> ChatTemplate.parse("{% include 'x' %}"));
    assertTrue(e.getMessage().contains("unsupported statement"), e.getMessage());
  }
}
