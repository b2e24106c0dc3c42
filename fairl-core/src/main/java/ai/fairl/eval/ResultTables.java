package ai.fairl.eval;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.style.Styler;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

/** Evaluation results as a Tablesaw table, console text and a per-subject bar chart. */
public final class ResultTables {
  private ResultTables() {}

  /**
   * One row per checkpoint and group: scope "overall", "category" or "subject", its name, the
   * counts and the three accuracies.
   */
  public static Table table(
      Map<String, Metrics> overall,
      Map<String, Map<String, Metrics>> byCategory,
      Map<String, Map<String, Metrics>> bySubject) {
    StringColumn ckpt = StringColumn.create("checkpoint");
    StringColumn scope = StringColumn.create("scope");
    StringColumn name = StringColumn.create("name");
    IntColumn total = IntColumn.create("total");
    IntColumn correct = IntColumn.create("correct");
    IntColumn valid = IntColumn.create("valid");
    DoubleColumn acc = DoubleColumn.create("overall_accuracy");
    DoubleColumn vacc = DoubleColumn.create("valid_accuracy");
    DoubleColumn ext = DoubleColumn.create("extraction_success_rate");
    for (String l : overall.keySet()) {
      List<Object[]> rows = new ArrayList<>();
      rows.add(new Object[] {"overall", "all", overall.get(l)});
      byCategory
          .getOrDefault(l, Map.of())
          .forEach((k, v) -> rows.add(new Object[] {"category", k, v}));
      bySubject
          .getOrDefault(l, Map.of())
          .forEach((k, v) -> rows.add(new Object[] {"subject", k, v}));
      for (Object[] r : rows) {
        Metrics m = (Metrics) r[2];
        ckpt.append(l);
        scope.append((String) r[0]);
        name.append((String) r[1]);
        total.append(m.total());
        correct.append(m.correct());
        valid.append(m.valid());
        acc.append(round(m.overallAccuracy()));
        vacc.append(round(m.validAccuracy()));
        ext.append(round(m.extractionSuccessRate()));
      }
    }
    return Table.create("evaluation", ckpt, scope, name, total, correct, valid, acc, vacc, ext);
  }

  private static double round(double v) {
    return Math.round(v * 10000) / 10000.0;
  }

  /** The table as text; without subjects when {@code withSubjects} is false. */
  public static String console(Table t, boolean withSubjects) {
    Table shown = withSubjects ? t : t.where(t.stringColumn("scope").isNotEqualTo("subject"));
    return shown.printAll();
  }

  /**
   * Writes a bar chart of accuracy per subject, one series per checkpoint, as a PNG; returns its
   * path.
   */
  public static Path subjectChart(
      Map<String, Map<String, Metrics>> bySubject, Path png, String title) {
    List<String> subjects = new ArrayList<>();
    bySubject
        .values()
        .forEach(
            m ->
                m.keySet()
                    .forEach(
                        s -> {
                          if (!subjects.contains(s)) {
                            subjects.add(s);
                          }
                        }));
    if (subjects.isEmpty()) {
      return null;
    }
    int width = Math.max(800, 40 + subjects.size() * (18 + 8 * bySubject.size()));
    CategoryChart chart =
        new CategoryChartBuilder()
            .width(width)
            .height(600)
            .title(title + ": accuracy per subject")
            .xAxisTitle("subject")
            .yAxisTitle("accuracy (%)")
            .build();
    chart.getStyler().setXAxisLabelRotation(90);
    chart.getStyler().setYAxisMin(0.0);
    chart.getStyler().setYAxisMax(100.0);
    chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
    chart.getStyler().setLegendVisible(bySubject.size() > 1);
    for (Map.Entry<String, Map<String, Metrics>> e : bySubject.entrySet()) {
      List<Double> ys = new ArrayList<>();
      for (String s : subjects) {
        Metrics m = e.getValue().get(s);
        ys.add(m == null ? 0.0 : 100 * m.overallAccuracy());
      }
      chart.addSeries(e.getKey(), subjects, ys);
    }
    Path abs = png.toAbsolutePath();
    Path tmp = abs.resolveSibling(abs.getFileName() + ".tmp");
    try {
      Files.createDirectories(abs.getParent());
      Files.write(tmp, BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG));
      Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the chart " + png + ": " + e.getMessage(), e);
    }
    return png;
  }
}
