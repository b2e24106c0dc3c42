package ai.fairl.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.fairl.data.ChatRenderer.Message;
import ai.fairl.train.LogProbs;
import ai.fairl.train.PreferenceBatch;
import ai.fairl.train.TokenBatch;
import blue.strategic.parquet.ParquetWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Types;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataTest {
  /** One token per character; EOS 0, pad 1. */
  static final TokenEncoder CHARS =
      new TokenEncoder() {
        @Override
        public long[] encode(String text) {
          return text.chars().mapToLong(c -> c).toArray();
        }

        @Override
        public long eosId() {
          return 0;
        }

        @Override
        public long padId() {
          return 1;
        }
      };

  /** A toy template: <role>content| per turn, "<assistant>" as the generation header. */
  static final ChatRenderer TOY =
      new ChatRenderer() {
        @Override
        public String render(List<Message> messages, boolean gen) {
          StringBuilder b = new StringBuilder();
          for (Message m : messages) {
            b.append('<').append(m.role()).append('>').append(m.content()).append('|');
          }
          if (gen) {
            b.append("<assistant>");
          }
          return b.toString();
        }

        @Override
        public String endOfTurn() {
          return "|";
        }
      };

  @Test
  void readsEveryFormatAndNamesTheBadLine(@TempDir Path dir) throws IOException {
    Path jsonl = dir.resolve("a.jsonl");
    Files.writeString(jsonl, "{\"q\":\"1+1\",\"a\":2}\n\n{\"q\":\"2+2\",\"a\":4}\n");
    List<Map<String, Object>> rows = DatasetFiles.read(jsonl);
    assertEquals(2, rows.size());
    assertEquals("2+2", rows.get(1).get("q"));
    Path json = dir.resolve("b.json");
    Files.writeString(json, "{\"q\":[\"x\",\"y\"],\"a\":[\"1\",\"2\"]}");
    assertEquals("y", DatasetFiles.read(json).get(1).get("q"));
    Files.writeString(json, "[{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}]");
    assertTrue(DatasetFiles.read(json).get(0).get("messages") instanceof List<?>);
    Path csv = dir.resolve("c.csv");
    Files.writeString(csv, "question,answer\n\"a, quoted\",007\nb,\n");
    List<Map<String, Object>> c = DatasetFiles.read(csv);
    assertEquals("a, quoted", c.get(0).get("question"));
    assertEquals("007", c.get(0).get("answer"), "csv values stay text");
    assertEquals("", c.get(1).get("answer"));
    Path bad = dir.resolve("bad.jsonl");
    Files.writeString(bad, "{\"q\":1}\n{\"q\": oops}\n");
    IOException e = assertThrows(IOException.class, () -> DatasetFiles.read(bad));
    assertTrue(e.getMessage().startsWith(bad + ":2: not valid JSON"), e.getMessage());
    IOException missing =
        assertThrows(IOException.class, () -> DatasetFiles.read(dir.resolve("nope.jsonl")));
    assertTrue(missing.getMessage().contains("does not exist"));
  }

  @Test
  void readsParquet(@TempDir Path dir) throws IOException {
    MessageType schema =
        Types.buildMessage()
            .required(PrimitiveTypeName.BINARY)
            .as(LogicalTypeAnnotation.stringType())
            .named("prompt")
            .required(PrimitiveTypeName.INT64)
            .named("n")
            .named("row");
    Path file = dir.resolve("d.parquet");
    try (ParquetWriter<String[]> w =
        ParquetWriter.writeFile(
            schema,
            file.toFile(),
            (row, out) -> {
              out.write("prompt", row[0]);
              out.write("n", Long.parseLong(row[1]));
            })) {
      w.write(new String[] {"hello", "3"});
      w.write(new String[] {"world", "4"});
    }
    List<Map<String, Object>> rows = DatasetFiles.read(file);
    assertEquals(2, rows.size());
    assertEquals("world", rows.get(1).get("prompt"));
    assertEquals(4L, rows.get(1).get("n"));
  }

  @Test
  void flatModeFormatsTheWholeTextAndReportsBadRows() {
    var s =
        new SftExamples.Settings(
            "Q: {question}\nA: {answer}", null, null, List.of("question", "answer"));
    List<Map<String, Object>> rows =
        List.of(
            Map.of("question", "1+1", "answer", 2.0),
            Map.of("question", "no answer"),
            Map.of("question", "x", "answer", "{y}"));
    SftExamples.Result r = SftExamples.sft("toy.jsonl", rows, s, null);
    assertEquals("Q: 1+1\nA: 2", r.examples().get(0).text());
    assertEquals("Q: x\nA: {y}", r.examples().get(1).text(), "values are not re-formatted");
    assertEquals(1, r.bad().size());
    assertEquals(1, r.bad().get(0).index());
    assertTrue(
        r.bad().get(0).toString().startsWith("toy.jsonl row 1: template placeholder {answer}"));
    TokenizedExample t = TokenizedExample.of(r.examples().get(0), CHARS, 0);
    assertEquals("Q: 1+1\nA: 2".length() + 1, t.length());
    assertEquals(0, t.ids()[t.length() - 1], "EOS appended");
    assertTrue(t.trained()[t.length() - 1], "EOS is a label in whole-text mode");
    assertEquals("{a}", PromptFormat.format("{{{x}}}", Map.of("x", "a")));
  }

  @Test
  void splitModeTrainsOnTheCompletionOnly() {
    var s = new SftExamples.Settings("Be brief.", "{q}", "{a}", null);
    SftExamples.Result r = SftExamples.sft("t", List.of(Map.of("q", "hi", "a", "yo")), s, TOY);
    Example e = r.examples().get(0);
    assertEquals("<system>Be brief.|<user>hi|<assistant>", e.segments().get(0).text());
    assertEquals("yo|", e.segments().get(1).text());
    TokenizedExample t = TokenizedExample.of(e, CHARS, 0);
    TokenBatch b = Collators.tokens(List.of(t), CHARS.padId());
    int prompt = e.segments().get(0).text().length();
    for (int i = 0; i < t.length(); i++) {
      assertEquals(i >= prompt ? t.ids()[i] : LogProbs.IGNORE, b.labels()[i], "label " + i);
    }
    assertEquals(3, b.lossItems());
    IllegalArgumentException both =
        assertThrows(
            IllegalArgumentException.class,
            () -> new SftExamples.Settings(null, "{q}", null, null));
    assertTrue(both.getMessage().contains("user_prompt and data.assistant_prompt"));
  }

  @Test
  void chatRowsTrainOnEveryAssistantTurn() {
    Map<String, Object> row =
        Map.of(
            "messages",
            List.of(
                Map.of("role", "user", "content", "a"),
                Map.of("role", "assistant", "content", "b"),
                Map.of("role", "user", "content", "c"),
                Map.of("role", "assistant", "content", "d")));
    var s = new SftExamples.Settings(null, null, null, null);
    Example e = SftExamples.sft("t", List.of(row), s, TOY).examples().get(0);
    StringBuilder trained = new StringBuilder();
    e.segments().stream().filter(Segment::trained).forEach(g -> trained.append(g.text()));
    assertEquals("b|d|", trained.toString());
    assertEquals("<user>a|<assistant>b|<user>c|<assistant>d|", e.text());
  }

  @Test
  void preferencePairsFromStringsAndConversations() {
    Map<String, Object> strings = Map.of("q", "2+2=", "good", "4", "bad", "5");
    PreferenceExamples.Result r =
        PreferenceExamples.build("t", List.of(strings), "q", "good", "bad", null);
    List<TokenizedExample> c = List.of(TokenizedExample.of(r.pairs().get(0).chosen(), CHARS, 0));
    List<TokenizedExample> j = List.of(TokenizedExample.of(r.pairs().get(0).rejected(), CHARS, 0));
    PreferenceBatch b = Collators.pairs(c, j, CHARS.padId());
    assertEquals(2, b.rows().rows());
    assertArrayEquals(
        new long[] {'2', '+', '2', '=', '4', 0}, java.util.Arrays.copyOf(b.rows().inputIds(), 6));
    // Empty rejected is reported with its index.
    PreferenceExamples.Result empty =
        PreferenceExamples.build(
            "t",
            List.of(strings, Map.of("q", "x", "good", "y", "bad", "")),
            "q",
            "good",
            "bad",
            null);
    assertEquals(1, empty.bad().get(0).index());
    assertEquals("rejected is empty", empty.bad().get(0).reason());
  }

  /** FAI-RL bug B11: conversational chosen/rejected rows were dropped silently. */
  @Test
  void b11ConversationalPreferenceRowsAreKept() {
    // No prompt column: the shared first turn becomes the prompt (TRL's extract_prompt).
    Map<String, Object> chat =
        Map.of(
            "chosen",
            List.of(
                Map.of("role", "user", "content", "hi"),
                Map.of("role", "assistant", "content", "hello")),
            "rejected",
            List.of(
                Map.of("role", "user", "content", "hi"),
                Map.of("role", "assistant", "content", "go away")));
    PreferenceExamples.Result rc =
        PreferenceExamples.build("t", List.of(chat), "prompt", "chosen", "rejected", TOY);
    assertTrue(rc.bad().isEmpty(), rc.bad().toString());
    assertEquals("<user>hi|<assistant>", rc.pairs().get(0).chosen().segments().get(0).text());
    assertEquals("go away|", rc.pairs().get(0).rejected().segments().get(1).text());
  }

  @Test
  void truncationAndPacking() {
    Example e = new Example(List.of(new Segment("abcdef", true)), true);
    TokenizedExample t = TokenizedExample.of(e, CHARS, 4);
    assertArrayEquals(new long[] {'a', 'b', 'c', 'd'}, t.ids());
    List<TokenizedExample> packed =
        Collators.pack(
            List.of(TokenizedExample.of(e, CHARS, 0), TokenizedExample.of(e, CHARS, 0)), 5);
    assertEquals(3, packed.size()); // 14 tokens -> 5 + 5 + 4
    assertEquals(4, packed.get(2).length());
  }
}
