package ai.fairl.train.grpo;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;

/** The demo's chart: mean reward per GRPO step, one line per seed, as a PNG. */
final class RewardCurve {
  private RewardCurve() {}

  static Path write(Path png, List<Demo.SeedResult> seeds) throws IOException {
    XYChart chart =
        new XYChartBuilder()
            .width(800)
            .height(480)
            .title("GRPO on \"Which is larger?\": mean reward per step")
            .xAxisTitle("step")
            .yAxisTitle("reward (exact_match + structured_xml + digit)")
            .build();
    for (Demo.SeedResult s : seeds) {
      List<Double> y = s.rewardCurve();
      double[] xs = IntStream.rangeClosed(1, y.size()).asDoubleStream().toArray();
      double[] ys = y.stream().mapToDouble(Double::doubleValue).toArray();
      chart.addSeries("seed " + s.seed(), xs, ys);
    }
    String name = png.toString();
    String stem = name.endsWith(".png") ? name.substring(0, name.length() - 4) : name;
    BitmapEncoder.saveBitmap(chart, stem, BitmapEncoder.BitmapFormat.PNG);
    return Path.of(stem + ".png");
  }
}
