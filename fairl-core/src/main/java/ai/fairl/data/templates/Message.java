package ai.fairl.data.templates;

/** One chat turn: {@code role} is {@code system}, {@code user} or {@code assistant}. */
public record Message(String role, String content) {
  public Message {
    if (role == null || role.isBlank()) {
      throw new IllegalArgumentException("a chat message needs a role (system, user, assistant)");
    }
    if (content == null) {
      throw new IllegalArgumentException(
          "chat message content must not be null (role " + role + ")");
    }
  }
}
