package ai.fairl.data.templates;

import java.util.List;

/**
 * A dataset row made ready for GRPO/GSPO: the prompt as chat messages (rendered later by the
 * model's chat template) and the ground-truth answer the accuracy rewards compare with.
 */
public record TemplatedExample(List<Message> prompt, String answer) {
  public TemplatedExample {
    prompt = List.copyOf(prompt);
    if (answer == null) {
      throw new IllegalArgumentException("a templated example needs an answer");
    }
  }
}
