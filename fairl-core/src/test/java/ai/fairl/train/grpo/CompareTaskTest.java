package ai.fairl.train.grpo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The demo's task: its committed files, their disjointness, and the imperfect teacher. */
class CompareTaskTest {
  static Path root() {
    String root = System.getProperty("fairl.root");
    if (root == null) {
      throw new AssertionError("fairl.root is not set (the parent pom's Surefire config sets it)");
    }
    return Path.of(root);
  }

  @Test
  void theCommittedFilesAreWhatTheGeneratorMakes() throws Exception {
    List<String> texts = CompareTask.fileTexts();
    assertEquals(
        texts.get(0),
        Files.readString(root().resolve("recipes/data/compare_test.jsonl")),
        "recipes/data/compare_test.jsonl is stale: run"
            + " java -cp ... ai.fairl.train.grpo.CompareTask recipes/data");
    assertEquals(
        texts.get(1), Files.readString(root().resolve("recipes/data/compare_train.jsonl")));
  }

  @Test
  void heldOutGrpoAndSftProblemsAreDisjointPairs() {
    List<CompareTask.Problem> test = CompareTask.read("recipes/data/compare_test.jsonl", root());
    List<CompareTask.Problem> train = CompareTask.read("recipes/data/compare_train.jsonl", root());
    assertTrue(test.size() >= 200, "held-out set has " + test.size());
    Set<Long> testKeys = new HashSet<>();
    test.forEach(p -> testKeys.add(p.key()));
    assertEquals(test.size(), testKeys.size(), "no pair twice in the held-out set");
    for (CompareTask.Problem p : train) {
      assertTrue(!testKeys.contains(p.key()), p.question() + " is in both files");
    }
    List<CompareTask.Problem> sft =
        CompareTask.excluding(
            java.util.stream.Stream.concat(test.stream(), train.stream()).toList(), 5);
    assertEquals(90 * 89 / 2 - test.size() - train.size(), sft.size());
    for (CompareTask.Problem p : sft) {
      assertTrue(!testKeys.contains(p.key()), p.question() + " is held out");
    }
    // the reversed question is the same problem
    assertEquals(new CompareTask.Problem(37, 82).key(), new CompareTask.Problem(82, 37).key());
  }

  @Test
  void theTeacherNamesTheSmallerNumberAtItsNoiseRate() {
    CompareTask.Problem p = new CompareTask.Problem(37, 82);
    assertEquals("<think>\n82 > 37\n</think>\n<answer>\n82\n</answer>", p.target());
    Random r = new Random(1);
    int wrong = 0;
    for (int i = 0; i < 10000; i++) {
      String t = p.noisyTarget(0.3, r);
      if (t.equals("<think>\n37 > 82\n</think>\n<answer>\n37\n</answer>")) {
        wrong++;
      } else {
        assertEquals(p.target(), t);
      }
    }
    assertEquals(0.3, wrong / 10000.0, 0.015);
  }

  @Test
  void aFileOfAnotherTaskIsRejectedWithItsRow(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("bad.jsonl");
    Files.writeString(
        f,
        "{\"question\":\"Which is larger, 12 or 40?\",\"answer\":\"40\"}\n"
            + "{\"question\":\"What is 1 + 2?\",\"answer\":\"3\"}\n");
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> CompareTask.read(f.toString(), dir));
    assertTrue(e.getMessage().contains("row 2"), e.getMessage());
    assertTrue(e.getMessage().contains("Which is larger, A or B?"), e.getMessage());
    Files.writeString(f, "{\"question\":\"Which is larger, 12 or 40?\",\"answer\":\"12\"}\n");
    e = assertThrows(IllegalArgumentException.class, () -> CompareTask.read(f.toString(), dir));
    assertTrue(e.getMessage().contains("should be 40"), e.getMessage());
  }
}
