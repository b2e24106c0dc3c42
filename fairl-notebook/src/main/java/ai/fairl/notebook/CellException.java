package ai.fairl.notebook;

import java.util.List;

/**
 * A cell failed in a way that is not the cell's own exception. Jupyter shows the simple class name
 * as the error name, so each kind is its own class: {@link CompilationException}, {@link
 * IncompleteSource}, {@link UnresolvedReference}, and {@link UncaughtError} for a thrown {@link
 * Error} (an {@code AssertionError}, {@code OutOfMemoryError}, ...), which the protocol layer would
 * not catch.
 */
public abstract sealed class CellException extends RuntimeException
    permits CellException.CompilationException,
        CellException.IncompleteSource,
        CellException.UnresolvedReference,
        CellException.UncaughtError {
  private final List<String> lines;

  private CellException(String message, List<String> lines, Throwable cause) {
    super(message, cause);
    this.lines = List.copyOf(lines);
  }

  /** Preformatted lines for the traceback (diagnostics with carets); empty to use the stack. */
  List<String> lines() {
    return lines;
  }

  /** javac rejected the cell; the lines show each diagnostic under its source line. */
  public static final class CompilationException extends CellException {
    CompilationException(String message, List<String> lines) {
      super(message, lines, null);
    }
  }

  /** The cell ends inside an open bracket, string or statement. */
  public static final class IncompleteSource extends CellException {
    IncompleteSource(String message, List<String> lines) {
      super(message, lines, null);
    }
  }

  /** The cell uses a name that no earlier cell declared. */
  public static final class UnresolvedReference extends CellException {
    UnresolvedReference(String message, List<String> lines) {
      super(message, lines, null);
    }
  }

  /** The cell threw an {@link Error}; the cause is the error as thrown. */
  public static final class UncaughtError extends CellException {
    UncaughtError(Throwable cause) {
      super(cause.getClass().getName() + ": " + cause.getMessage(), List.of(), cause);
    }
  }
}
