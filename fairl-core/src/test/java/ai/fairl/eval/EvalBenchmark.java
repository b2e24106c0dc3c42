package ai.fairl.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.fairl.infer.GenerationParams;
import ai.fairl.infer.LocalModels;
import ai.fairl.train.StopSignal;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Full GSM8K-test and MMLU-test passes on the tiny local model; prints questions per second, the
 * accuracy and the load average (no timing assertions; the CI-sized pass is {@link
 * EvalCiPassTest}). Run with:
 *
 * <pre>
 * OMP_NUM_THREADS=2 mvn -B -o -pl fairl-core test -Dtest=EvalBenchmark -Dsurefire.excludedGroups=gpu \
 *     [-Dfairl.bench.limit=N]   (N questions per MMLU subject and in total for GSM8K; 0 = all)
 * </pre>
 */
@Tag("bench")
class EvalBenchmark {
  @TempDir Path dir;
  static final int LIMIT = Integer.getInteger("fairl.bench.limit", 0);
  static final int NEW_TOKENS = Integer.getInteger("fairl.bench.max_new_tokens", 32);
  static final int BATCH = Integer.getInteger("fairl.bench.batch_size", 16);

  /** A pass's result and wall-clock seconds. */
  record Pass(EvalResult result, double seconds) {
    Metrics metrics() {
      return result.metrics();
    }
  }

  @Test
  void gsm8kTestGenerated() {
    Pass p = gsm8k(dir, LIMIT, NEW_TOKENS, BATCH);
    assertEquals(LIMIT > 0 ? LIMIT : 1319, p.metrics().total());
  }

  @Test
  void mmluTestByLogLikelihood() {
    Pass p = mmlu(dir, "all", LIMIT, BATCH);
    if (LIMIT == 0) {
      assertEquals(14042, p.metrics().total());
    }
  }

  /** GSM8K test, the harness prompt, greedy generation; prints a BENCH line. */
  static Pass gsm8k(Path dir, int limit, int newTokens, int batch) {
    EvalSpec spec =
        EvalSpec.builder()
            .model("tiny:llama")
            .dataset(SharedData.dir().resolve("gsm8k").toString(), null, "test")
            .outputFile(dir.resolve("gsm8k.csv"))
            .params(GenerationParams.greedy(newTokens))
            .batchSize(batch)
            .maxExamples(limit)
            .build();
    String load0 = load();
    long t0 = System.nanoTime();
    EvalResult r =
        Evaluation.run(
            spec, LocalModels.loader(null, 42), null, k -> null, new StopSignal(), System.err);
    double s = (System.nanoTime() - t0) / 1e9;
    int n = r.metrics().total();
    System.out.printf(
        Locale.ROOT,
        "BENCH gsm8k test: %d questions, greedy %d new tokens, batch %d: %.1f s, %.2f questions/s,"
            + " accuracy %.4f; load average %s -> %s%n",
        n,
        newTokens,
        batch,
        s,
        n / s,
        r.metrics().overallAccuracy(),
        load0,
        load());
    return new Pass(r, s);
  }

  /** MMLU test of {@code subset} (a subject, a list, or all), zero-shot, by log-likelihood. */
  static Pass mmlu(Path dir, String subset, int limit, int batch) {
    EvalSpec spec =
        EvalSpec.builder()
            .model("tiny:llama")
            .dataset(SharedData.dir().resolve("mmlu").toString(), subset, "test")
            .outputFile(dir.resolve("mmlu.csv"))
            .params(GenerationParams.greedy(1))
            .scoring(EvalSpec.Scoring.LOGLIKELIHOOD)
            .maxExamples(limit)
            .build();
    String load0 = load();
    long t0 = System.nanoTime();
    EvalResult r =
        Evaluation.run(
            spec,
            null,
            LocalScorers.loader(null, 42, batch),
            k -> null,
            new StopSignal(),
            System.err);
    double s = (System.nanoTime() - t0) / 1e9;
    int n = r.metrics().total();
    System.out.printf(
        Locale.ROOT,
        "BENCH mmlu test (%s, zero-shot, log-likelihood): %d questions: %.1f s, %.2f"
            + " questions/s, accuracy %.4f, batch %d; load average %s -> %s%n",
        subset,
        n,
        s,
        n / s,
        r.metrics().overallAccuracy(),
        batch,
        load0,
        load());
    return new Pass(r, s);
  }

  /** The 1-minute load average (the machine is shared, so the rate depends on it). */
  static String load() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
    } catch (IOException e) {
      return "unknown (" + e.getMessage() + ")";
    }
  }
}
