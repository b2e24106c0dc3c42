package ai.fairl.cli;

/** A command-line problem (bad flag combination, unavailable device): exit status 2. */
final class UsageException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final String hint;

  UsageException(String message, String hint) {
    super(message);
    this.hint = hint;
  }

  String hint() {
    return hint;
  }
}
