package ai.fairl.train.grpo;

import ai.fairl.infer.DatasetRows;
import ai.fairl.reward.RewardScores;
import ai.fairl.reward.RewardSet;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * The demo's verifiable task: {@code What is a + b?} and {@code What is a - b?} with operands 0-49
 * and no negative results, the format of {@code recipes/data/arithmetic_*.jsonl}. The SFT warm-up
 * writes FAI-RL's XML answer format: {@code <think>\na + b = c\n</think>\n<answer>\nc\n</answer>}.
 */
final class ArithmeticTask {
  private ArithmeticTask() {}

  /** One problem: the question, the right answer, and the SFT target. */
  record Problem(String question, String answer) {
    String target() {
      return target(answer);
    }

    /** The SFT target with {@code shown} as the result (a noisy teacher's answer). */
    String target(String shown) {
      String work = question.substring("What is ".length(), question.length() - 1);
      return "<think>\n" + work + " = " + shown + "\n</think>\n<answer>\n" + shown + "\n</answer>";
    }

    /**
     * The noisy teacher: with probability {@code noise} the shown result is off by one (up or down,
     * never negative), else the right one.
     */
    String noisyTarget(double noise, java.util.Random random) {
      if (random.nextDouble() >= noise) {
        return target();
      }
      int a = Integer.parseInt(answer);
      int off = a == 0 || random.nextBoolean() ? a + 1 : a - 1;
      return target(String.valueOf(off));
    }

    Map<String, Object> columns() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("question", question);
      m.put("answer", answer);
      return m;
    }
  }

  /** Every problem of the family, in a fixed order. */
  static List<Problem> all() {
    List<Problem> out = new ArrayList<>();
    for (int a = 0; a < 50; a++) {
      for (int b = 0; b < 50; b++) {
        out.add(new Problem("What is " + a + " + " + b + "?", String.valueOf(a + b)));
        if (a >= b) {
          out.add(new Problem("What is " + a + " - " + b + "?", String.valueOf(a - b)));
        }
      }
    }
    return out;
  }

  /** A dataset file's problems (question, GSM8K-style answer). */
  static List<Problem> read(String name, Path base) {
    List<Problem> out = new ArrayList<>();
    for (Map<String, Object> row : DatasetRows.load(name, "train", base)) {
      String ans = String.valueOf(row.get("answer"));
      int at = ans.lastIndexOf("####");
      out.add(
          new Problem(
              String.valueOf(row.get("question")), (at < 0 ? ans : ans.substring(at + 4)).strip()));
    }
    return out;
  }

  /** Problems not among {@code exclude}, shuffled with {@code seed}. */
  static List<Problem> excluding(List<Problem> exclude, long seed) {
    Set<String> held = new HashSet<>();
    exclude.forEach(p -> held.add(p.question()));
    List<Problem> out = new ArrayList<>();
    for (Problem p : all()) {
      if (!held.contains(p.question())) {
        out.add(p);
      }
    }
    java.util.Collections.shuffle(out, new Random(seed));
    return out;
  }

  /** Held-out accuracy (exact match of the extracted answer) and mean total reward. */
  record Score(double accuracy, double meanReward) {}

  static Score score(List<Problem> problems, List<String> completions, RewardSet rewards) {
    List<String> prompts = new ArrayList<>();
    List<Map<String, Object>> cols = new ArrayList<>();
    for (Problem p : problems) {
      prompts.add(p.question());
      cols.add(p.columns());
    }
    RewardScores s = rewards.score(prompts, completions, cols);
    int right = 0;
    for (int i = 0; i < problems.size(); i++) {
      if (ai.fairl.reward.Rewards.extractAnswer(completions.get(i))
          .equals(problems.get(i).answer())) {
        right++;
      }
    }
    return new Score((double) right / problems.size(), s.totalMean());
  }
}
