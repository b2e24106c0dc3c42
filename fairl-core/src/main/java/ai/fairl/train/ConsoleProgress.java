package ai.fairl.train;

import java.io.PrintStream;
import java.util.Locale;
import java.util.Map;

/**
 * The console view of a run: on a terminal, one progress bar redrawn in place with step, loss,
 * learning rate, steps per second and ETA; otherwise (logs, CI, notebooks) one plain line per
 * logging step with the same fields.
 */
public final class ConsoleProgress implements TrainListener {
  private final PrintStream out;
  private final boolean terminal;
  private int total;
  private int start;
  private long startNanos;
  private boolean drewBar;

  /** Writes to {@code out}; {@code terminal} chooses the redrawn bar over plain lines. */
  public ConsoleProgress(PrintStream out, boolean terminal) {
    this.out = out;
    this.terminal = terminal;
  }

  /** To standard output, with a bar only when it is an interactive terminal. */
  public static ConsoleProgress toStdout() {
    return new ConsoleProgress(System.out, isTerminal());
  }

  static boolean isTerminal() {
    java.io.Console c = System.console();
    if (c == null) {
      return false;
    }
    try { // Java 22+: a console exists even when redirected; ask whether it is a terminal.
      return (Boolean) java.io.Console.class.getMethod("isTerminal").invoke(c);
    } catch (ReflectiveOperationException e) {
      return true;
    }
  }

  @Override
  public void onStart(RunInfo run) {
    total = run.totalSteps();
    start = run.startStep();
    startNanos = System.nanoTime();
    out.printf(
        Locale.ROOT,
        "%s: %d steps%s -> %s%n",
        run.algorithm(),
        total,
        start > 0 ? " (resuming at " + start + ")" : "",
        run.outputDir());
  }

  @Override
  public void onStep(int step, double epoch, Map<String, Double> m) {
    double secs = (System.nanoTime() - startNanos) / 1e9;
    int done = step - start;
    double rate = secs > 0 ? done / secs : 0;
    double eta = rate > 0 ? (total - step) / rate : 0;
    String fields =
        String.format(
            Locale.ROOT,
            "%d/%d loss %.4f lr %.2e %.2f it/s ETA %s",
            step,
            total,
            m.getOrDefault("loss", Double.NaN),
            m.getOrDefault("learning_rate", Double.NaN),
            rate,
            clock(eta));
    if (terminal) {
      int width = 24;
      int filled = total > 0 ? (int) Math.round(width * (double) step / total) : 0;
      out.print("\r[" + "#".repeat(filled) + ".".repeat(width - filled) + "] " + fields + "   ");
      out.flush();
      drewBar = true;
    } else {
      out.println("step " + fields + String.format(Locale.ROOT, " epoch %.2f", epoch));
    }
  }

  @Override
  public void onEval(int step, Map<String, Double> metrics) {
    endBar();
    out.printf(
        Locale.ROOT,
        "eval at step %d: eval_loss %.4f%n",
        step,
        metrics.getOrDefault("eval_loss", Double.NaN));
  }

  @Override
  public void onCheckpoint(int step, java.nio.file.Path dir) {
    endBar();
    out.println("checkpoint " + dir);
  }

  @Override
  public void onEnd(EndInfo end) {
    endBar();
    out.printf(
        Locale.ROOT,
        "%s at step %d after %s%s%n",
        end.reason(),
        end.step(),
        clock((System.nanoTime() - startNanos) / 1e9),
        end.error() == null ? "" : ": " + end.error().getMessage());
  }

  private void endBar() {
    if (drewBar) {
      out.println();
      drewBar = false;
    }
  }

  static String clock(double seconds) {
    long s = Math.round(Math.max(0, seconds));
    return String.format(Locale.ROOT, "%02d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60);
  }
}
