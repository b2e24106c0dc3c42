package ai.fairl.eval;

import java.util.List;

/** One MMLU question: subject, text, the choices in order, and the 0-based right answer. */
public record MmluQuestion(String subject, String question, List<String> choices, int answer) {
  public MmluQuestion {
    choices = List.copyOf(choices);
    if (choices.size() < 2) {
      throw new IllegalArgumentException(
          "an MMLU question needs at least 2 choices, got " + choices.size() + ": " + question);
    }
    if (answer < 0 || answer >= choices.size()) {
      throw new IllegalArgumentException(
          "answer index " + answer + " is outside the " + choices.size() + " choices: " + question);
    }
  }
}
