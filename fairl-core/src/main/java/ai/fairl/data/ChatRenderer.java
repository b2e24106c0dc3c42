package ai.fairl.data;

import java.util.List;

/**
 * A chat template: renders {@code [{role, content}, ...]} to the model's prompt text (Hugging Face
 * {@code apply_chat_template(tokenize=False)}). The model package's template engine is adapted.
 */
@FunctionalInterface
public interface ChatRenderer {
  /**
   * @param messages role/content turns
   * @param addGenerationPrompt append the assistant header, as for a prompt awaiting a reply
   */
  String render(List<Message> messages, boolean addGenerationPrompt);

  /**
   * The text that closes an assistant turn (the tokenizer's EOS, e.g. {@code <|im_end|>}), trained
   * on so the model learns to stop; empty when unknown.
   */
  default String endOfTurn() {
    return "";
  }

  /** One chat turn. */
  record Message(String role, String content) {
    public Message {
      if (role == null || role.isBlank()) {
        throw new IllegalArgumentException("a chat message needs a role");
      }
      content = content == null ? "" : content;
    }
  }
}
