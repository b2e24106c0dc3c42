package ai.fairl.notebook;

import ai.fairl.reward.RewardFunction;
import ai.fairl.reward.RewardRegistry;
import com.google.gson.Gson;
import com.google.gson.JsonParseException;
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
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

/**
 * Trying a reward function on sample completions, and keeping it for the GRPO/GSPO/PPO runs started
 * afterwards in this kernel (a recipe names it in {@code training.reward_functions: [NAME]}). What
 * {@code %%fairl_reward} does, as plain Java:
 *
 * <pre>{@code
 * RewardFunction len = (p, c, cols) -> c.stream().mapToDouble(s -> -s.length() / 100.0).toArray();
 * Table t = RewardTrial.score(len, RewardTrial.readSamples(Path.of("samples.jsonl")));
 * RewardTrial.register("short", len);
 * }</pre>
 *
 * <p>A sample is a map with {@code completion} (required), {@code prompt} (optional) and any other
 * dataset columns (e.g. {@code answer}), which reach the function as its {@code columns}.
 */
public final class RewardTrial {
  private RewardTrial() {}

  /** Scores the samples; one row per sample with its prompt, completion, columns and score. */
  public static Table score(RewardFunction fn, List<Map<String, Object>> samples) {
    if (samples.isEmpty()) {
      throw new IllegalArgumentException("no samples to score: give at least one completion");
    }
    List<String> prompts = new ArrayList<>();
    List<String> completions = new ArrayList<>();
    List<Map<String, Object>> columns = new ArrayList<>();
    Set<String> columnNames = new LinkedHashSet<>();
    for (int i = 0; i < samples.size(); i++) {
      Map<String, Object> s = samples.get(i);
      Object c = s.get("completion");
      if (!(c instanceof String)) {
        throw new IllegalArgumentException(
            "sample " + i + " has no string \"completion\"; its keys are " + s.keySet());
      }
      completions.add((String) c);
      prompts.add(s.get("prompt") == null ? "" : String.valueOf(s.get("prompt")));
      Map<String, Object> cols = new LinkedHashMap<>(s);
      cols.remove("completion");
      cols.remove("prompt");
      columns.add(cols);
      columnNames.addAll(cols.keySet());
    }
    double[] scores =
        fn.score(List.copyOf(prompts), List.copyOf(completions), List.copyOf(columns));
    if (scores == null || scores.length != samples.size()) {
      throw new IllegalStateException(
          "reward "
              + fn.name()
              + " returned "
              + (scores == null ? "null" : scores.length + " scores")
              + " for "
              + samples.size()
              + " completions; return exactly one score per completion");
    }
    for (int i = 0; i < scores.length; i++) {
      if (Double.isNaN(scores[i])) {
        throw new IllegalStateException(
            "reward " + fn.name() + " returned NaN for sample " + i + ": " + completions.get(i));
      }
    }
    Table t = Table.create("reward " + fn.name());
    t.addColumns(
        StringColumn.create("prompt", prompts), StringColumn.create("completion", completions));
    for (String name : columnNames) {
      StringColumn col = StringColumn.create(name);
      for (Map<String, Object> cols : columns) {
        Object v = cols.get(name);
        col.append(v == null ? "" : String.valueOf(v));
      }
      t.addColumns(col);
    }
    t.addColumns(DoubleColumn.create("score", scores));
    return t;
  }

  /** Reads samples from JSON Lines: one object per line with {@code completion} and columns. */
  public static List<Map<String, Object>> readSamples(Path jsonl) {
    List<String> lines;
    try {
      lines = Files.readAllLines(jsonl);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read samples " + jsonl + ": " + e.getMessage(), e);
    }
    Gson gson = new Gson();
    List<Map<String, Object>> out = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).strip();
      if (line.isEmpty()) {
        continue;
      }
      try {
        @SuppressWarnings("unchecked")
        Map<String, Object> m = gson.fromJson(line, LinkedHashMap.class);
        if (m == null || !(m.get("completion") instanceof String)) {
          throw new IllegalArgumentException(
              jsonl + ":" + (i + 1) + ": each line needs a string \"completion\"");
        }
        out.add(m);
      } catch (JsonParseException e) {
        throw new IllegalArgumentException(
            jsonl + ":" + (i + 1) + ": not a JSON object (" + e.getMessage() + ")", e);
      }
    }
    return out;
  }

  /**
   * Keeps a reward under a name for the GRPO/GSPO/PPO runs started afterwards in this kernel: a
   * recipe names it in {@code training.reward_functions} ({@link RewardRegistry#register}).
   */
  public static void register(String name, RewardFunction fn) {
    RewardRegistry.register(name, fn);
  }

  /** The rewards registered in this kernel, by name. */
  public static Map<String, RewardFunction> registered() {
    return RewardRegistry.all();
  }
}
