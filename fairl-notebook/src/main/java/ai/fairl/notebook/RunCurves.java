package ai.fairl.notebook;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Curves of one or more runs from their {@code metrics.jsonl} (TRL's keys: {@code step}, {@code
 * loss}, {@code reward}, {@code kl}, ...). What {@code %fairl_curve} draws, as plain Java:
 *
 * <pre>{@code
 * XYChart c = RunCurves.plot(List.of(Path.of("outputs/a"), Path.of("outputs/b")), List.of("loss"));
 * }</pre>
 */
public final class RunCurves {
  private RunCurves() {}

  /** One run's metrics: for each key, the (step, value) pairs in file order. */
  public record Run(String name, Map<String, List<double[]>> series) {}

  /** Reads {@code dir/metrics.jsonl}, or the file itself when given a file. */
  public static Run read(Path runDirOrFile) {
    Path file =
        Files.isDirectory(runDirOrFile) ? runDirOrFile.resolve("metrics.jsonl") : runDirOrFile;
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException(
          "no metrics at "
              + file
              + ": give a run's output_dir (it holds metrics.jsonl) or the metrics.jsonl file");
    }
    String name =
        Files.isDirectory(runDirOrFile)
            ? runDirOrFile.toAbsolutePath().normalize().getFileName().toString()
            : file.toAbsolutePath().normalize().getParent().getFileName().toString();
    Map<String, List<double[]>> series = new LinkedHashMap<>();
    List<String> lines;
    try {
      lines = Files.readAllLines(file);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
    }
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).strip();
      if (line.isEmpty()) {
        continue;
      }
      JsonObject o;
      try {
        o = JsonParser.parseString(line).getAsJsonObject();
      } catch (JsonParseException | IllegalStateException e) {
        throw new IllegalArgumentException(
            file + ":" + (i + 1) + ": not a JSON object (" + e.getMessage() + ")", e);
      }
      JsonElement step = o.get("step");
      if (step == null || !step.isJsonPrimitive() || !step.getAsJsonPrimitive().isNumber()) {
        throw new IllegalArgumentException(file + ":" + (i + 1) + ": missing numeric \"step\"");
      }
      double s = step.getAsDouble();
      for (Map.Entry<String, JsonElement> e : o.entrySet()) {
        if (e.getKey().equals("step")
            || !e.getValue().isJsonPrimitive()
            || !e.getValue().getAsJsonPrimitive().isNumber()) {
          continue;
        }
        series
            .computeIfAbsent(e.getKey(), k -> new ArrayList<>())
            .add(new double[] {s, e.getValue().getAsDouble()});
      }
    }
    return new Run(name, series);
  }

  /**
   * Plots the given metrics of the given runs against step. With no metrics named, plots {@code
   * loss} and {@code reward}, whichever the runs have.
   */
  public static XYChart plot(List<Path> runs, List<String> metrics) {
    if (runs.isEmpty()) {
      throw new IllegalArgumentException("name at least one run directory or metrics.jsonl");
    }
    List<Run> read = runs.stream().map(RunCurves::read).toList();
    Set<String> wanted = new LinkedHashSet<>(metrics);
    if (wanted.isEmpty()) {
      for (Run r : read) {
        for (String k : List.of("loss", "reward")) {
          if (r.series().containsKey(k)) {
            wanted.add(k);
          }
        }
      }
    }
    if (wanted.isEmpty()) {
      throw new IllegalArgumentException(
          "the runs have neither loss nor reward; name metrics, e.g. --metrics kl,grad_norm; they have: "
              + read.stream().flatMap(r -> r.series().keySet().stream()).distinct().toList());
    }
    XYChart chart =
        new XYChartBuilder()
            .width(600)
            .height(300)
            .title(String.join(", ", wanted))
            .xAxisTitle("step")
            .yAxisTitle(wanted.size() == 1 ? wanted.iterator().next() : "value")
            .build();
    boolean any = false;
    for (Run r : read) {
      for (String m : wanted) {
        List<double[]> pts = r.series().get(m);
        if (pts == null || pts.isEmpty()) {
          continue;
        }
        String label = read.size() == 1 ? m : r.name() + ": " + m;
        chart
            .addSeries(
                label,
                pts.stream().mapToDouble(p -> p[0]).toArray(),
                pts.stream().mapToDouble(p -> p[1]).toArray())
            .setMarker(SeriesMarkers.NONE);
        any = true;
      }
    }
    if (!any) {
      throw new IllegalArgumentException(
          "none of the runs has "
              + wanted
              + "; they have: "
              + read.stream().flatMap(r -> r.series().keySet().stream()).distinct().toList());
    }
    return chart;
  }
}
