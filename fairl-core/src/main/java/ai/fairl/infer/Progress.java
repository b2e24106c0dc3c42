package ai.fairl.infer;

import java.io.PrintStream;
import java.util.Locale;

/**
 * A one-line progress bar with rate and ETA: redrawn in place on a terminal, or printed as a line
 * at most every 10 seconds (and at the end) when the output is a file or a notebook.
 */
public final class Progress {
  private final PrintStream out;
  private final String label;
  private final long total;
  private final boolean inPlace;
  private final long startNanos = System.nanoTime();
  private long done;
  private long failed;
  private long lastDraw;

  public Progress(PrintStream out, String label, long total, boolean inPlace) {
    this.out = out;
    this.label = label;
    this.total = total;
    this.inPlace = inPlace;
  }

  /** True when standard error goes to a terminal. */
  public static boolean terminal() {
    return System.console() != null;
  }

  public synchronized void advance(long n, long newlyFailed) {
    done += n;
    failed += newlyFailed;
    long now = System.nanoTime();
    long gap = inPlace ? 200_000_000L : 10_000_000_000L;
    if (done >= total || now - lastDraw >= gap) {
      lastDraw = now;
      draw();
    }
  }

  /** The line as drawn now, e.g. {@code gpt-4o 40/100 [#####.....] 40% 3.1 rows/s ETA 0:19}. */
  public synchronized String line() {
    double secs = Math.max(1e-9, (System.nanoTime() - startNanos) / 1e9);
    double rate = done / secs;
    int width = 20;
    int filled = total == 0 ? width : (int) (width * done / total);
    String bar = "#".repeat(filled) + ".".repeat(width - filled);
    String eta =
        rate > 0 && total > done ? clock((total - done) / rate) : done >= total ? "done" : "?";
    return String.format(
        Locale.ROOT,
        "%s %d/%d [%s] %d%% %.2f rows/s ETA %s%s",
        label,
        done,
        total,
        bar,
        total == 0 ? 100 : 100 * done / total,
        rate,
        eta,
        failed > 0 ? " (" + failed + " failed)" : "");
  }

  private void draw() {
    if (inPlace) {
      out.print("\r" + line() + (done >= total ? "\n" : ""));
    } else {
      out.println(line());
    }
    out.flush();
  }

  static String clock(double seconds) {
    long s = Math.round(seconds);
    return s >= 3600
        ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
        : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
  }
}
