package ai.fairl.infer;

/**
 * A request that an API provider refused for good (a 4xx other than 429, or retries used up):
 * carries the HTTP status and the provider's own error message, never the key.
 */
public final class ApiException extends RuntimeException {
  private final int status;
  private final boolean fatal;

  public ApiException(int status, String message, boolean fatal) {
    super(message);
    this.status = status;
    this.fatal = fatal;
  }

  /** The HTTP status, or -1 for a network failure or timeout. */
  public int status() {
    return status;
  }

  /** True for failures that doom every request of a run: bad key, no access, unknown endpoint. */
  public boolean fatal() {
    return fatal;
  }
}
