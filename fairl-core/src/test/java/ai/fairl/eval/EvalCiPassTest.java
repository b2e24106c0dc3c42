package ai.fairl.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CI-sized evaluation pass (CONVENTIONS: the full pass is the benchmark {@link EvalBenchmark},
 * CI runs 2 subjects and 50 GSM8K questions): two whole MMLU subjects by log-likelihood and the
 * first 50 GSM8K test questions by generation, on the random tiny model. It prints questions per
 * second and checks the counts and that a random model scores at chance.
 */
class EvalCiPassTest {
  @TempDir Path dir;

  @Test
  void twoMmluSubjectsByLogLikelihoodScoreAtChance() {
    EvalBenchmark.Pass p = EvalBenchmark.mmlu(dir, "abstract_algebra,anatomy", 0, 16);
    assertEquals(100 + 135, p.metrics().total());
    assertEquals(p.metrics().total(), p.metrics().valid(), "log-likelihood always picks a letter");
    assertEquals(
        100, p.result().bySubject().values().iterator().next().get("abstract_algebra").total());
    // chance is 0.25; with 235 questions its standard deviation is 0.028: [0.11, 0.39] is 5 sigma
    double acc = p.metrics().overallAccuracy();
    assertTrue(acc > 0.11 && acc < 0.39, "a random model should score near 0.25, got " + acc);
  }

  @Test
  void fiftyGsm8kQuestionsByGeneration() {
    EvalBenchmark.Pass p = EvalBenchmark.gsm8k(dir, 50, 16, 16);
    assertEquals(50, p.metrics().total());
    assertTrue(
        p.metrics().correct() <= 2, "a random tiny model cannot solve GSM8K: " + p.metrics());
  }
}
