package ai.fairl.data.templates;

import java.util.List;

/**
 * FAI-RL's {@code OpenMathInstructTemplate}: the answer column unchanged. Columns {@code problem},
 * {@code expected_answer}.
 */
public record OpenMathInstructTemplate() implements MathTemplate {
  @Override
  public String parseAnswer(String raw) {
    return raw;
  }

  @Override
  public List<String> defaultColumns() {
    return List.of("problem", "expected_answer");
  }
}
