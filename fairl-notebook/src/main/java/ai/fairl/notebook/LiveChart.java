package ai.fairl.notebook;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.dflib.jjava.jupyter.kernel.BaseKernel;
import org.dflib.jjava.jupyter.kernel.display.DisplayData;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * A line chart that redraws in place while points arrive: the first {@link #add} displays it, later
 * ones send {@code update_display_data} for the same display id, at most once per {@code
 * minIntervalMs} (the last point is always drawn by {@link #refresh()} or {@link #close()}).
 *
 * <p>Outside a Jupyter kernel built on jjava-jupyter (bare JShell, IJava) nothing is displayed; the
 * chart is still built and {@link #chart()} returns it for rendering by other means.
 *
 * <pre>{@code
 * var live = LiveChart.create("loss", "step", "loss");
 * for (int step = 1; step <= 50; step++) live.add("loss", step, Math.exp(-step / 10.0));
 * live.close();
 * }</pre>
 */
public final class LiveChart implements AutoCloseable {
  private final XYChart chart;
  private final Map<String, List<double[]>> points = new LinkedHashMap<>();
  private final long minIntervalMs;
  private final String displayId = UUID.randomUUID().toString();
  private boolean shown;
  private boolean dirty;
  private long lastDrawMs;
  private int updates;

  private LiveChart(XYChart chart, long minIntervalMs) {
    this.chart = chart;
    this.minIntervalMs = minIntervalMs;
  }

  /** A 600x300 chart that redraws at most every 500 ms. */
  public static LiveChart create(String title, String xLabel, String yLabel) {
    return create(title, xLabel, yLabel, 500);
  }

  public static LiveChart create(String title, String xLabel, String yLabel, long minIntervalMs) {
    if (minIntervalMs < 0) {
      throw new IllegalArgumentException("minIntervalMs must be >= 0, got " + minIntervalMs);
    }
    XYChart c =
        new XYChartBuilder()
            .width(600)
            .height(300)
            .title(title)
            .xAxisTitle(xLabel)
            .yAxisTitle(yLabel)
            .build();
    c.getStyler().setMarkerSize(3);
    return new LiveChart(c, minIntervalMs);
  }

  /** Appends a point to a series (created on first use) and redraws if the interval has passed. */
  public synchronized LiveChart add(String series, double x, double y) {
    if (!Double.isFinite(x) || !Double.isFinite(y)) {
      return this;
    }
    points.computeIfAbsent(series, s -> new ArrayList<>()).add(new double[] {x, y});
    dirty = true;
    if (!shown || System.currentTimeMillis() - lastDrawMs >= minIntervalMs) {
      refresh();
    }
    return this;
  }

  /** Redraws now if anything changed since the last drawing. */
  public synchronized void refresh() {
    if (!dirty) {
      return;
    }
    for (Map.Entry<String, List<double[]>> e : points.entrySet()) {
      double[] xs = e.getValue().stream().mapToDouble(p -> p[0]).toArray();
      double[] ys = e.getValue().stream().mapToDouble(p -> p[1]).toArray();
      if (chart.getSeriesMap().containsKey(e.getKey())) {
        chart.updateXYSeries(e.getKey(), xs, ys, null);
      } else {
        XYSeries s = chart.addSeries(e.getKey(), xs, ys);
        s.setMarker(SeriesMarkers.NONE);
      }
    }
    dirty = false;
    lastDrawMs = System.currentTimeMillis();
    BaseKernel kernel = kernelOrNull();
    if (kernel == null || !kernel.getIO().display.isAttached()) {
      return;
    }
    DisplayData data = kernel.getRenderer().render(chart);
    data.setDisplayId(displayId);
    if (!shown) {
      kernel.display(data);
      shown = true;
    } else {
      kernel.getIO().display.updateDisplay(displayId, data);
      updates++;
    }
  }

  /** Draws the last points. */
  @Override
  public void close() {
    refresh();
  }

  public XYChart chart() {
    return chart;
  }

  /** How many {@code update_display_data} messages this chart has sent. */
  public synchronized int updates() {
    return updates;
  }

  static BaseKernel kernelOrNull() {
    try {
      return BaseKernel.notebookKernel();
    } catch (NullPointerException e) {
      return null;
    }
  }
}
