package ai.fairl.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The prompts, character for character as lm-evaluation-harness writes them. */
class EvalPromptsTest {
  final MmluQuestion q1 =
      new MmluQuestion(
          "high_school_us_history",
          "  Who wrote it?\n",
          List.of("Jefferson", "Adams", "Franklin", "Madison"),
          0);
  final MmluQuestion q2 =
      new MmluQuestion(
          "high_school_us_history", "When?", List.of("1776", "1787", "1791", "1800"), 0);
  final MmluQuestion shot =
      new MmluQuestion("high_school_us_history", "Shot?", List.of("a", "b", "c", "d"), 2);

  @Test
  void mmluZeroShot() {
    assertEquals(
        "The following are multiple choice questions (with answers) about high school us history.\n\n"
            + "Who wrote it?\nA. Jefferson\nB. Adams\nC. Franklin\nD. Madison\nAnswer:",
        EvalPrompts.mmlu(q1, List.of()));
  }

  @Test
  void mmluTwoShot() {
    assertEquals(
        "The following are multiple choice questions (with answers) about high school us history.\n\n"
            + "Shot?\nA. a\nB. b\nC. c\nD. d\nAnswer: C\n\n"
            + "When?\nA. 1776\nB. 1787\nC. 1791\nD. 1800\nAnswer: A\n\n"
            + "Who wrote it?\nA. Jefferson\nB. Adams\nC. Franklin\nD. Madison\nAnswer:",
        EvalPrompts.mmlu(q1, List.of(shot, q2)));
    assertEquals(List.of(" A", " B", " C", " D"), EvalPrompts.mmluContinuations(4));
  }

  @Test
  void gsm8kOneShot() {
    Gsm8kQuestion s = Gsm8kQuestion.of("1+1?", "1+1=<<1+1=2>>2\n#### 2");
    Gsm8kQuestion q = Gsm8kQuestion.of("2+2?", "#### 4");
    assertEquals(
        "Question: 1+1?\nAnswer: 1+1=<<1+1=2>>2\n#### 2\n\nQuestion: 2+2?\nAnswer:",
        EvalPrompts.gsm8k(q, List.of(s)));
  }
}
