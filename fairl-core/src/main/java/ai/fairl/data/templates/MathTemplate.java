package ai.fairl.data.templates;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * FAI-RL's GRPO/GSPO dataset templates ({@code trainers/templates/}): a system prompt asking for
 * {@code <think>}/{@code <answer>} output, one worked example, then the row's question. The
 * templates differ only in how they read the answer.
 *
 * <p>Departure (fixes FAI-RL bug B3): FAI-RL accepts only {@code openai/gsm8k} and {@code
 * nvidia/OpenMathInstruct-2}; here {@link #forDataset} gives every other dataset (local files
 * included) {@link GSM8KTemplate}'s behaviour: the same prompt, the text after the last {@code
 * ####} of the answer column, or the whole answer stripped when it has none.
 */
public sealed interface MathTemplate permits GSM8KTemplate, OpenMathInstructTemplate {

  /** FAI-RL's {@code SYSTEM_PROMPT}, byte for byte (leading and trailing newline included). */
  String SYSTEM_PROMPT =
      "\nRespond in the following format:\n\n<think>\n...\n</think>\n<answer>\n...\n</answer>\n";

  /** The one-shot question. */
  String EXAMPLE_QUESTION = "What is the largest single-digit prime number?";

  /** FAI-RL's {@code XML_COT_FORMAT} filled with the one-shot example. */
  String EXAMPLE_ANSWER =
      xmlCot("9 is divisible by 3 and 8 is divisible by 2, but 7 is prime.", "7");

  /**
   * FAI-RL's {@code XML_COT_FORMAT}: {@code
   * <think>\n{thinking}\n</think>\n<answer>\n{answer}\n</answer>\n}.
   */
  static String xmlCot(String thinking, String answer) {
    return "<think>\n" + thinking + "\n</think>\n<answer>\n" + answer + "\n</answer>\n";
  }

  /** The answer as the rewards compare it, from the raw answer column. */
  String parseAnswer(String raw);

  /** The default {@code (prompt column, answer column)} of the dataset this template is for. */
  List<String> defaultColumns();

  /**
   * FAI-RL's {@code format_for_training}: the four-message prompt and the parsed answer.
   *
   * @throws IllegalArgumentException naming the column and the row's keys when one is missing or
   *     empty
   */
  default TemplatedExample format(Map<String, ?> row, String promptColumn, String answerColumn) {
    String question = text(row, promptColumn, "prompt_column");
    String answer = parseAnswer(text(row, answerColumn, "answer_column"));
    List<Message> prompt =
        List.of(
            new Message("system", SYSTEM_PROMPT),
            new Message("user", EXAMPLE_QUESTION),
            new Message("assistant", EXAMPLE_ANSWER),
            new Message("user", question));
    return new TemplatedExample(prompt, answer);
  }

  private static String text(Map<String, ?> row, String column, String key) {
    Object v = row.get(column);
    if (v == null) {
      throw new IllegalArgumentException(
          "dataset row has no column '"
              + column
              + "' (data.datasets[]."
              + key
              + "); its columns are "
              + row.keySet()
              + "; set "
              + key
              + " to one of them");
    }
    String s = v.toString();
    if (s.isBlank()) {
      throw new IllegalArgumentException(
          "dataset row's column '" + column + "' (" + key + ") is empty");
    }
    return s;
  }

  /**
   * The template for a dataset name: OpenMathInstruct's for names containing {@code
   * openmathinstruct} (the answer as is), GSM8K's for every other name.
   */
  static MathTemplate forDataset(String name) {
    String n = name == null ? "" : name.toLowerCase(Locale.ROOT);
    if (n.contains("openmathinstruct")) {
      return new OpenMathInstructTemplate();
    }
    return new GSM8KTemplate();
  }
}
