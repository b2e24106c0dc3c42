package ai.fairl.data.templates;

import java.util.List;

/**
 * FAI-RL's {@code GSM8KTemplate}: the final answer is the text after the last {@code ####},
 * stripped (the whole answer stripped when there is none). Columns {@code question}, {@code
 * answer}.
 */
public record GSM8KTemplate() implements MathTemplate {
  @Override
  public String parseAnswer(String raw) {
    int at = raw.lastIndexOf("####");
    return (at >= 0 ? raw.substring(at + 4) : raw).strip();
  }

  @Override
  public List<String> defaultColumns() {
    return List.of("question", "answer");
  }
}
