package ai.fairl.data.templates;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MathTemplateTest {

  @Test
  void systemPromptAndShotAreFaiRlsTextByteForByte() {
    assertEquals(
        "\nRespond in the following format:\n\n<think>\n...\n</think>\n<answer>\n...\n</answer>\n",
        MathTemplate.SYSTEM_PROMPT);
    assertEquals(
        "<think>\n9 is divisible by 3 and 8 is divisible by 2, but 7 is prime.\n</think>\n"
            + "<answer>\n7\n</answer>\n",
        MathTemplate.EXAMPLE_ANSWER);
  }

  @Test
  void gsm8kOnARealRow() throws IOException {
    Path data = Path.of(System.getProperty("fairl.shared.data", "../shared/data"));
    Path test = data.resolve("gsm8k/test.jsonl");
    if (!Files.exists(test)) {
      throw new AssertionError("GSM8K test split missing at " + test + " (set fairl.shared.data)");
    }
    String first = Files.readAllLines(test).get(0);
    JsonObject o = JsonParser.parseString(first).getAsJsonObject();
    Map<String, Object> row =
        Map.of(
            "question", o.get("question").getAsString(), "answer", o.get("answer").getAsString());
    TemplatedExample ex = new GSM8KTemplate().format(row, "question", "answer");
    assertEquals("18", ex.answer());
    assertEquals(4, ex.prompt().size());
    assertEquals(
        List.of("system", "user", "assistant", "user"),
        ex.prompt().stream().map(Message::role).toList());
    assertEquals(o.get("question").getAsString(), ex.prompt().get(3).content());
    assertEquals("What is the largest single-digit prime number?", ex.prompt().get(1).content());
  }

  @Test
  void gsm8kAnswerParsing() {
    GSM8KTemplate t = new GSM8KTemplate();
    assertEquals("1,400", t.parseAnswer("work\n#### 1,400")); // not normalised, like FAI-RL
    assertEquals("5", t.parseAnswer("a #### 4 #### 5 ")); // the last ####
    assertEquals("no marker", t.parseAnswer("  no marker \n"));
    assertEquals("", t.parseAnswer("x ####   "));
  }

  @Test
  void openMathInstructKeepsTheAnswerAsIs() {
    TemplatedExample ex =
        new OpenMathInstructTemplate()
            .format(
                Map.of("problem", "2+2?", "expected_answer", " \\frac{1}{2} "),
                "problem",
                "expected_answer");
    assertEquals(" \\frac{1}{2} ", ex.answer());
    assertEquals("2+2?", ex.prompt().get(3).content());
  }

  @Test
  void b3_anyDatasetNameGetsATemplate() {
    assertInstanceOf(GSM8KTemplate.class, MathTemplate.forDataset("openai/gsm8k"));
    assertInstanceOf(
        OpenMathInstructTemplate.class, MathTemplate.forDataset("nvidia/OpenMathInstruct-2"));
    assertInstanceOf(GSM8KTemplate.class, MathTemplate.forDataset("/data/my_problems.jsonl"));
    TemplatedExample ex =
        MathTemplate.forDataset("acme/arith")
            .format(Map.of("prompt", "12+7=", "answer", " 19 "), "prompt", "answer");
    assertEquals("19", ex.answer());
    assertEquals(
        "77",
        MathTemplate.forDataset("recipes/data/arithmetic_train.jsonl")
            .parseAnswer("49 + 28 = 77\n#### 77"));
  }

  @Test
  void missingColumnNamesTheKeyAndTheRowsColumns() {
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () -> {
              Map<String, Object> row = new java.util.LinkedHashMap<>();
              row.put("question", "q");
              row.put("solution", "s");
              new GSM8KTemplate().format(row, "question", "answer");
            });
    assertEquals(
        "dataset row has no column 'answer' (data.datasets[].answer_column); its columns are"
            + " [question, solution]; set answer_column to one of them",
        e.getMessage());
  }
}
