package ai.fairl.train;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * At the end of a run, draws {@code output_dir/training_curves.png}: training loss (and eval loss
 * when there is one) on the left axis and the learning rate on the right axis, by step (XChart).
 */
public final class LossChart implements TrainListener {
  public static final String FILE = "training_curves.png";
  private final List<Integer> steps = new ArrayList<>();
  private final List<Double> loss = new ArrayList<>();
  private final List<Double> lr = new ArrayList<>();
  private final List<Integer> evalSteps = new ArrayList<>();
  private final List<Double> evalLoss = new ArrayList<>();
  private String algorithm = "";

  @Override
  public void onStart(RunInfo run) {
    algorithm = run.algorithm();
  }

  @Override
  public void onStep(int step, double epoch, Map<String, Double> m) {
    Double l = m.get("loss");
    if (l != null && Double.isFinite(l)) {
      steps.add(step);
      loss.add(l);
      lr.add(m.getOrDefault("learning_rate", 0.0));
    }
  }

  @Override
  public void onEval(int step, Map<String, Double> m) {
    Double l = m.get("eval_loss");
    if (l != null && Double.isFinite(l)) {
      evalSteps.add(step);
      evalLoss.add(l);
    }
  }

  @Override
  public void onEnd(EndInfo end) {
    if (steps.isEmpty()) {
      return;
    }
    XYChart chart =
        new XYChartBuilder()
            .width(800)
            .height(450)
            .title(algorithm + " training")
            .xAxisTitle("step")
            .yAxisTitle("loss")
            .build();
    chart.setYAxisGroupTitle(1, "learning rate");
    XYSeries s = chart.addSeries("loss", steps, loss);
    s.setMarker(SeriesMarkers.NONE);
    if (!evalSteps.isEmpty()) {
      chart.addSeries("eval_loss", evalSteps, evalLoss).setMarker(SeriesMarkers.CIRCLE);
    }
    XYSeries r = chart.addSeries("learning_rate", steps, lr);
    r.setYAxisGroup(1);
    r.setMarker(SeriesMarkers.NONE);
    try {
      BitmapEncoder.saveBitmap(
          chart, end.outputDir().resolve(FILE).toString(), BitmapEncoder.BitmapFormat.PNG);
    } catch (IOException e) {
      throw new UncheckedIOException("could not write " + end.outputDir().resolve(FILE), e);
    }
  }
}
