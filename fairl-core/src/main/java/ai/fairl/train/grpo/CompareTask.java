package ai.fairl.train.grpo;

import ai.fairl.infer.DatasetRows;
import ai.fairl.reward.RewardScores;
import ai.fairl.reward.RewardSet;
import ai.fairl.reward.Rewards;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * The demo's verifiable task: {@code Which is larger, 37 or 82?} over two different numbers 10-99,
 * answered in FAI-RL's XML format, {@code <think>\n82 > 37\n</think>\n<answer>\n82\n</answer>}. The
 * rule is easy for a tiny model to learn and to apply to pairs it never saw; what the demo makes
 * hard is the teacher: {@link Problem#noisyTarget} writes the smaller number (with a matching wrong
 * comparison) a fixed fraction of the time, so supervised fine-tuning learns the teacher's mix of
 * right and wrong answers, and only a reward that checks the answer can tell them apart.
 *
 * <p>A problem is the unordered pair: {@code 37 or 82} and {@code 82 or 37} are the same problem,
 * so the held-out, GRPO and SFT sets are disjoint as pairs, not only as strings. {@link #files}
 * makes the two committed files {@code recipes/data/compare_{train,test}.jsonl}; a test checks that
 * they are what it makes.
 */
final class CompareTask {
  private CompareTask() {}

  /** Smallest and largest number of the task. */
  static final int LO = 10;

  static final int HI = 99;

  /** One problem: the two numbers in the order the question shows them. */
  record Problem(int a, int b) {
    Problem {
      if (a == b || a < LO || b < LO || a > HI || b > HI) {
        throw new IllegalArgumentException(
            "a compare problem needs two different numbers "
                + LO
                + "-"
                + HI
                + ", got "
                + a
                + ", "
                + b);
      }
    }

    String question() {
      return "Which is larger, " + a + " or " + b + "?";
    }

    /** The right answer. */
    String answer() {
      return String.valueOf(Math.max(a, b));
    }

    /** The unordered pair, the problem's identity. */
    long key() {
      return Math.min(a, b) * 1000L + Math.max(a, b);
    }

    /** The correct teacher's completion. */
    String target() {
      return target(Math.max(a, b), Math.min(a, b));
    }

    /** The teacher's completion claiming {@code shown} is the larger of the two. */
    static String target(int shown, int other) {
      return "<think>\n" + shown + " > " + other + "\n</think>\n<answer>\n" + shown + "\n</answer>";
    }

    /** The imperfect teacher: with probability {@code noise} it picks the smaller number. */
    String noisyTarget(double noise, Random random) {
      return random.nextDouble() >= noise ? target() : target(Math.min(a, b), Math.max(a, b));
    }

    Map<String, Object> columns() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("question", question());
      m.put("answer", answer());
      return m;
    }
  }

  /** Every unordered pair once, each in a random order, shuffled with {@code seed}. */
  static List<Problem> all(long seed) {
    Random r = new Random(seed);
    List<Problem> out = new ArrayList<>();
    for (int x = LO; x <= HI; x++) {
      for (int y = x + 1; y <= HI; y++) {
        out.add(r.nextBoolean() ? new Problem(x, y) : new Problem(y, x));
      }
    }
    Collections.shuffle(out, r);
    return out;
  }

  /** Seed of the committed files' draw. */
  static final long FILE_SEED = 1234;

  /** Rows of the committed files: {@code compare_test.jsonl} first, then {@code compare_train}. */
  static final int TEST_ROWS = 200;

  static final int TRAIN_ROWS = 400;

  /** The two committed files' problems: [held-out test, GRPO train]. */
  static List<List<Problem>> files() {
    List<Problem> all = all(FILE_SEED);
    return List.of(
        List.copyOf(all.subList(0, TEST_ROWS)),
        List.copyOf(all.subList(TEST_ROWS, TEST_ROWS + TRAIN_ROWS)));
  }

  /** The committed files' text (one JSON object a line): [test, train]. */
  static List<String> fileTexts() {
    List<String> out = new ArrayList<>();
    com.google.gson.Gson gson = new com.google.gson.Gson();
    for (List<Problem> f : files()) {
      StringBuilder sb = new StringBuilder();
      f.forEach(p -> sb.append(gson.toJson(p.columns())).append('\n'));
      out.add(sb.toString());
    }
    return out;
  }

  /**
   * Writes {@code compare_test.jsonl} and {@code compare_train.jsonl} into the folder {@code
   * args[0]} (the repository's {@code recipes/data}).
   */
  public static void main(String[] args) throws java.io.IOException {
    Path dir = Path.of(args.length > 0 ? args[0] : "recipes/data");
    List<String> t = fileTexts();
    java.nio.file.Files.writeString(dir.resolve("compare_test.jsonl"), t.get(0));
    java.nio.file.Files.writeString(dir.resolve("compare_train.jsonl"), t.get(1));
  }

  /** A dataset file's problems (its {@code question} column parsed back into the pair). */
  static List<Problem> read(String name, Path base) {
    List<Problem> out = new ArrayList<>();
    List<Map<String, Object>> rows = DatasetRows.load(name, "train", base);
    for (int i = 0; i < rows.size(); i++) {
      String q = String.valueOf(rows.get(i).get("question"));
      java.util.regex.Matcher m =
          java.util.regex.Pattern.compile("Which is larger, (\\d+) or (\\d+)\\?").matcher(q);
      if (!m.matches()) {
        throw new IllegalArgumentException(
            name
                + " row "
                + (i + 1)
                + ": question '"
                + q
                + "' is not of the form 'Which is larger, A or B?'");
      }
      Problem p = new Problem(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)));
      String ans = String.valueOf(rows.get(i).get("answer")).strip();
      if (!ans.equals(p.answer())) {
        throw new IllegalArgumentException(
            name + " row " + (i + 1) + ": answer '" + ans + "' should be " + p.answer());
      }
      out.add(p);
    }
    return out;
  }

  /** Every problem whose pair is not among {@code exclude}, shuffled with {@code seed}. */
  static List<Problem> excluding(List<Problem> exclude, long seed) {
    Set<Long> held = new HashSet<>();
    exclude.forEach(p -> held.add(p.key()));
    List<Problem> out = new ArrayList<>();
    for (Problem p : all(seed)) {
      if (!held.contains(p.key())) {
        out.add(p);
      }
    }
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
      if (Rewards.extractAnswer(completions.get(i)).equals(problems.get(i).answer())) {
        right++;
      }
    }
    return new Score((double) right / problems.size(), s.totalMean());
  }
}
