package ai.fairl.notebook;

import ai.fairl.train.TrainListener;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import org.dflib.jjava.jupyter.kernel.BaseKernel;
import org.dflib.jjava.jupyter.kernel.display.DisplayData;

/**
 * The notebook's live view of a training run: a progress line and a chart of loss and reward (and
 * KL when present) that redraw in place. It also tells the kernel that the run listens to {@link
 * Notebook#stopSignal()}, so an interrupt stops the run at a step boundary instead of interrupting
 * the thread mid-step.
 *
 * <p>Plain Java (what {@code %%fairl_train} does): pass {@code Notebook.stopSignal()} and a {@code
 * new TrainingDisplay()} to the training call.
 */
public final class TrainingDisplay implements TrainListener {
  private static final String[] PLOTTED = {"loss", "reward", "kl"};
  private final LiveChart chart;
  private final String progressId = UUID.randomUUID().toString();
  private boolean progressShown;
  private int totalSteps;
  private long startMs;
  private int firstStep;

  public TrainingDisplay() {
    this(500);
  }

  public TrainingDisplay(long minIntervalMs) {
    this.chart = LiveChart.create("training", "step", "value", minIntervalMs);
  }

  @Override
  public void onStart(RunInfo run) {
    Notebook.runStarted();
    totalSteps = run.totalSteps();
    firstStep = run.startStep();
    startMs = System.currentTimeMillis();
    progress(
        String.format(
            Locale.ROOT,
            "%s: starting at step %d of %d -> %s",
            run.algorithm(),
            run.startStep(),
            run.totalSteps(),
            run.outputDir() == null ? "(no output dir)" : run.outputDir().getFileName()));
  }

  @Override
  public void onStep(int step, double epoch, Map<String, Double> metrics) {
    for (String key : PLOTTED) {
      Double v = metrics.get(key);
      if (v != null) {
        chart.add(key, step, v);
      }
    }
    double secs = Math.max(1e-3, (System.currentTimeMillis() - startMs) / 1000.0);
    StringBuilder line =
        new StringBuilder(
            String.format(
                Locale.ROOT,
                "step %d/%d (epoch %.2f, %.2f steps/s)",
                step,
                totalSteps,
                epoch,
                (step - firstStep) / secs));
    for (String key : PLOTTED) {
      Double v = metrics.get(key);
      if (v != null) {
        line.append(String.format(Locale.ROOT, " %s %.4g", key, v));
      }
    }
    progress(line.toString());
  }

  @Override
  public void onEnd(EndInfo end) {
    Notebook.runEnded();
    chart.close();
    String how =
        switch (end.reason()) {
          case "stopped" -> "stopped at step " + end.step() + " (" + stopReason() + ")";
          case "failed" -> "failed at step " + end.step() + ": " + end.error();
          default -> "completed " + end.step() + " steps";
        };
    progress(how + (end.outputDir() == null ? "" : "; output in " + end.outputDir()));
  }

  private static String stopReason() {
    String r = Notebook.stopSignal().reason();
    return r == null ? "stop requested" : r;
  }

  /** The live chart (for tests and for saving the final picture). */
  public LiveChart chart() {
    return chart;
  }

  private void progress(String text) {
    BaseKernel kernel = LiveChart.kernelOrNull();
    if (kernel == null || !kernel.getIO().display.isAttached()) {
      System.out.println(text);
      return;
    }
    DisplayData data = new DisplayData(text);
    data.putHTML("<pre class=\"fairl-progress\">" + TableHtml.escape(text) + "</pre>");
    data.setDisplayId(progressId);
    if (!progressShown) {
      kernel.display(data);
      progressShown = true;
    } else {
      kernel.getIO().display.updateDisplay(progressId, data);
    }
  }
}
