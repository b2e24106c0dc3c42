package ai.fairl.train;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Writes {@code output_dir/metrics.jsonl}: one JSON object per logging step ({@code step}, {@code
 * epoch} and TRL's metric keys) and per evaluation ({@code eval_loss}, ...). Non-finite values are
 * written as {@code null}. A resumed run keeps the lines up to its checkpoint's step and appends.
 */
public final class MetricsJsonl implements TrainListener {
  public static final String FILE = "metrics.jsonl";
  private BufferedWriter out;

  @Override
  public void onStart(RunInfo run) {
    try {
      Files.createDirectories(run.outputDir());
      Path file = run.outputDir().resolve(FILE);
      List<String> keep = new ArrayList<>();
      if (run.startStep() > 0 && Files.exists(file)) {
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
          if (line.isBlank()) {
            continue;
          }
          JsonObject o = JsonParser.parseString(line).getAsJsonObject();
          if (o.has("step") && o.get("step").getAsInt() <= run.startStep()) {
            keep.add(line);
          }
        }
      }
      out =
          Files.newBufferedWriter(
              file,
              StandardCharsets.UTF_8,
              StandardOpenOption.CREATE,
              StandardOpenOption.TRUNCATE_EXISTING,
              StandardOpenOption.WRITE);
      for (String line : keep) {
        out.write(line);
        out.write('\n');
      }
      out.flush();
    } catch (IOException e) {
      throw new UncheckedIOException("could not write " + run.outputDir().resolve(FILE), e);
    }
  }

  @Override
  public void onStep(int step, double epoch, Map<String, Double> metrics) {
    JsonObject o = new JsonObject();
    o.addProperty("step", step);
    put(o, "epoch", epoch);
    metrics.forEach((k, v) -> put(o, k, v));
    write(o);
  }

  @Override
  public void onEval(int step, Map<String, Double> metrics) {
    JsonObject o = new JsonObject();
    o.addProperty("step", step);
    metrics.forEach((k, v) -> put(o, k, v));
    write(o);
  }

  @Override
  public void onEnd(EndInfo end) {
    if (out != null) {
      try {
        out.close();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } finally {
        out = null;
      }
    }
  }

  private static void put(JsonObject o, String k, Double v) {
    if (v == null || !Double.isFinite(v)) {
      o.add(k, null);
    } else if (v == Math.rint(v) && Math.abs(v) < 1e15 && (k.equals("num_tokens"))) {
      o.addProperty(k, v.longValue());
    } else {
      o.addProperty(k, v);
    }
  }

  private void write(JsonObject o) {
    if (out == null) {
      return;
    }
    try {
      out.write(o.toString());
      out.write('\n');
      out.flush();
    } catch (IOException e) {
      throw new UncheckedIOException("could not append to " + FILE, e);
    }
  }
}
