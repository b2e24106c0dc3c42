package ai.fairl.notebook;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import jdk.jshell.Diag;
import jdk.jshell.EvalException;
import jdk.jshell.JShell;
import jdk.jshell.Snippet;
import jdk.jshell.SnippetEvent;
import jdk.jshell.SourceCodeAnalysis;
import jdk.jshell.SourceCodeAnalysis.Completeness;
import jdk.jshell.SourceCodeAnalysis.CompletionInfo;
import jdk.jshell.UnresolvedReferenceException;
import jdk.jshell.VarSnippet;

/**
 * Evaluates notebook cells with JShell (one JShell, so every method is synchronized: JShell is not
 * thread-safe and completion requests may arrive while the start-up imports run): splits a cell
 * into snippets, runs them in order, stops at the first failing one, and returns the value of the
 * last expression.
 *
 * <p>Out[] follows IPython's rules: only an expression as the cell's last snippet shows a value; a
 * trailing {@code ;} suppresses it, and so do calls to {@code display(...)}/{@code
 * updateDisplay(...)} (which return a display id) and {@code PrintStream}/{@code PrintWriter}
 * values (what {@code System.out.printf} returns).
 */
final class CellEvaluator implements AutoCloseable {
  private static final Pattern DISPLAY_CALL =
      Pattern.compile("^\\s*(?:display|updateDisplay)\\s*\\(", Pattern.DOTALL);

  private final CapturingExecutionControl control;
  private final CellClassLoader loader;
  private final PrintStream jshellOut;
  private JShell shell;

  /**
   * Cheap: JShell itself (about half of the start-up) is built on first use, on the cell thread.
   */
  CellEvaluator(ClassLoader parent, PrintStream jshellOut) {
    this.loader = new CellClassLoader(parent);
    this.control = new CapturingExecutionControl(loader);
    this.jshellOut = jshellOut;
  }

  private synchronized JShell shell() {
    if (shell == null) {
      shell =
          JShell.builder()
              .out(jshellOut)
              .err(jshellOut)
              .executionEngine(CapturingExecutionControl.provider(control), java.util.Map.of())
              .build();
    }
    return shell;
  }

  ClassLoader classLoader() {
    return loader.classLoader();
  }

  synchronized void addToClasspath(String path) {
    for (String part : path.split(java.io.File.pathSeparator)) {
      if (!part.isBlank()) {
        shell().addToClasspath(part);
      }
    }
  }

  /**
   * Runs a cell. Returns the last expression's value, or null when there is none to show.
   *
   * @throws CellException for compile errors, unresolved references and incomplete input
   * @throws RuntimeException the cell's own exception as thrown (other throwables wrapped)
   */
  synchronized Object eval(String code) {
    control.forgetResults();
    SourceCodeAnalysis sca = shell().sourceCodeAnalysis();
    String remaining = code;
    Object last = null;
    while (!remaining.isBlank()) {
      CompletionInfo info = sca.analyzeCompletion(remaining);
      Completeness c = info.completeness();
      if (c == Completeness.EMPTY) {
        break;
      }
      String source;
      String consumed;
      if (c.isComplete()
          && c != Completeness.UNKNOWN
          && info.remaining().length() < remaining.length()) {
        source = info.source();
        consumed = remaining.substring(0, remaining.length() - info.remaining().length());
        remaining = info.remaining();
      } else if (c == Completeness.CONSIDERED_INCOMPLETE && info.remaining().isBlank()) {
        source = remaining;
        consumed = remaining;
        remaining = "";
      } else if (c == Completeness.DEFINITELY_INCOMPLETE) {
        throw new CellException.IncompleteSource(
            "the cell ends in the middle of a statement: " + firstLine(remaining.strip()),
            List.of("Incomplete input:", remaining.strip(), "Close the open brackets or quotes."));
      } else {
        source = remaining;
        consumed = remaining;
        remaining = "";
      }
      last = run(source, consumed, remaining.isBlank());
    }
    return last;
  }

  private Object run(String source, String original, boolean isLast) {
    List<SnippetEvent> events = shell().eval(source);
    Object value = null;
    for (SnippetEvent ev : events) {
      if (ev.causeSnippet() != null) {
        continue;
      }
      Snippet snippet = ev.snippet();
      if (ev.status() == Snippet.Status.REJECTED) {
        throw compileError(snippet);
      }
      if (ev.exception() != null) {
        throw userError(ev.exception());
      }
      if (ev.status() == Snippet.Status.RECOVERABLE_DEFINED
          || ev.status() == Snippet.Status.RECOVERABLE_NOT_DEFINED) {
        List<String> unresolved =
            shell().unresolvedDependencies(unresolvedSnippet(snippet)).toList();
        if (!unresolved.isEmpty()) {
          throw new CellException.UnresolvedReference(
              "cannot find " + String.join(", ", unresolved),
              List.of(
                  "In: " + firstLine(snippet.source().strip()),
                  "Unresolved: " + String.join(", ", unresolved),
                  "Declare them in an earlier cell or add their jar to the classpath."));
        }
      }
      Object v = control.takeResult(ev.value());
      if (isLast && shows(snippet, original, v)) {
        value = v;
      }
    }
    return value;
  }

  private static jdk.jshell.DeclarationSnippet unresolvedSnippet(Snippet s) {
    return (jdk.jshell.DeclarationSnippet) s;
  }

  private static boolean shows(Snippet snippet, String original, Object value) {
    if (value == null || original.strip().endsWith(";")) {
      return false;
    }
    if (value instanceof PrintStream || value instanceof PrintWriter) {
      return false;
    }
    boolean expression =
        snippet.kind() == Snippet.Kind.EXPRESSION
            || (snippet instanceof VarSnippet
                && snippet.subKind() == Snippet.SubKind.TEMP_VAR_EXPRESSION_SUBKIND);
    return expression && !DISPLAY_CALL.matcher(original).find();
  }

  private RuntimeException compileError(Snippet snippet) {
    List<Diag> diags = shell().diagnostics(snippet).collect(Collectors.toList());
    String src = snippet.source();
    List<String> lines = new ArrayList<>();
    StringBuilder msg = new StringBuilder();
    for (Diag d : diags) {
      String text = d.getMessage(Locale.ROOT);
      if (msg.length() > 0) {
        msg.append("; ");
      }
      msg.append(text.replace('\n', ' '));
      long start = Math.max(0, d.getStartPosition());
      int lineStart = src.lastIndexOf('\n', (int) Math.min(start, src.length()) - 1) + 1;
      int lineEnd = src.indexOf('\n', (int) Math.min(start, src.length()));
      if (lineEnd < 0) {
        lineEnd = src.length();
      }
      lines.add(text);
      lines.add(src.substring(lineStart, lineEnd));
      long caretEnd = Math.max(start + 1, Math.min(d.getEndPosition(), lineEnd));
      lines.add(" ".repeat((int) (start - lineStart)) + "^".repeat((int) (caretEnd - start)));
    }
    if (diags.isEmpty()) {
      msg.append("JShell rejected: ").append(firstLine(src.strip()));
      lines.add(msg.toString());
    }
    return new CellException.CompilationException(msg.toString(), lines);
  }

  private RuntimeException userError(jdk.jshell.JShellException ex) {
    Throwable real = control.takeThrown();
    if (real instanceof Error err) {
      return new CellException.UncaughtError(err);
    }
    if (real != null) {
      return CellEvaluator.<RuntimeException>sneaky(real);
    }
    if (ex instanceof UnresolvedReferenceException ure) {
      return new CellException.UnresolvedReference(
          "the code calls "
              + firstLine(ure.getSnippet().source().strip())
              + ", which is not complete",
          List.of(ure.getMessage() == null ? "unresolved reference" : ure.getMessage()));
    }
    String name = ex instanceof EvalException ee ? ee.getExceptionClassName() : "Error";
    return new IllegalStateException(name + ": " + ex.getMessage(), ex);
  }

  /** Rethrows a checked exception unchanged so Jupyter shows its real class name. */
  @SuppressWarnings("unchecked")
  static <T extends Throwable> RuntimeException sneaky(Throwable t) throws T {
    throw (T) t;
  }

  static String firstLine(String s) {
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl) + " ...";
  }

  /** Completion candidates at {@code cursor}: replacement texts and the span they replace. */
  synchronized Completion complete(String code, int cursor) {
    int[] anchor = new int[1];
    List<SourceCodeAnalysis.Suggestion> s =
        shell().sourceCodeAnalysis().completionSuggestions(code, cursor, anchor);
    List<String> texts =
        s.stream()
            .filter(SourceCodeAnalysis.Suggestion::matchesType)
            .map(SourceCodeAnalysis.Suggestion::continuation)
            .distinct()
            .collect(Collectors.toCollection(ArrayList::new));
    if (texts.isEmpty()) {
      texts =
          s.stream()
              .map(SourceCodeAnalysis.Suggestion::continuation)
              .distinct()
              .collect(Collectors.toList());
    }
    return new Completion(texts, anchor[0], cursor);
  }

  record Completion(List<String> matches, int start, int end) {}

  /** Signatures (and, with detail, javadoc) of what is at the cursor; empty when nothing. */
  synchronized String inspect(String code, int cursor, boolean detail) {
    List<SourceCodeAnalysis.Documentation> docs =
        shell().sourceCodeAnalysis().documentation(code, cursor, detail);
    if (docs.isEmpty() && cursor > 0) {
      docs = shell().sourceCodeAnalysis().documentation(code.substring(0, cursor), cursor, detail);
    }
    StringBuilder out = new StringBuilder();
    for (SourceCodeAnalysis.Documentation d : docs) {
      out.append(d.signature()).append('\n');
      if (detail && d.javadoc() != null) {
        out.append(d.javadoc()).append('\n');
      }
    }
    return out.toString().strip();
  }

  /** Jupyter's is_complete: "complete", "invalid", or an indent string for incomplete input. */
  synchronized String isComplete(String code) {
    if (code.stripLeading().startsWith("%")) {
      return "complete";
    }
    SourceCodeAnalysis sca = shell().sourceCodeAnalysis();
    String remaining = code;
    while (true) {
      CompletionInfo info = sca.analyzeCompletion(remaining);
      switch (info.completeness()) {
        case EMPTY:
          return "complete";
        case COMPLETE:
        case COMPLETE_WITH_SEMI:
          if (info.remaining().isBlank()) {
            return "complete";
          }
          if (info.remaining().length() >= remaining.length()) {
            return "invalid";
          }
          remaining = info.remaining();
          break;
        case UNKNOWN:
          return "invalid";
        default:
          return "    ";
      }
    }
  }

  @Override
  public synchronized void close() {
    if (shell != null) {
      shell.close();
    }
  }
}
