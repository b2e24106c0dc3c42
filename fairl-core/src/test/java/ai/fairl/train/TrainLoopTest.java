package ai.fairl.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.fairl.train.sft.SftObjective;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainLoopTest {
  static final int VOCAB = 16;

  static TrainConfig.Builder cfg(Path out) {
    return TrainConfig.builder(out)
        .algorithm("sft")
        .learningRate(0.05)
        .warmupSteps(2)
        .gradientAccumulationSteps(2)
        .loggingSteps(1)
        .saveSteps(0)
        .maxSteps(6);
  }

  static TrainTask<TokenBatch> task(Bigram model, List<long[]> rows, int batchSize) {
    ListSource<long[], TokenBatch> src =
        new ListSource<>(rows, batchSize, Bigram::collate, 7, true, false);
    return new TrainTask<>(new SftObjective(model), model, src, null);
  }

  @Test
  void gradientAccumulationOfKMicroBatchesEqualsOneBatchOfK(@TempDir Path dir) throws Exception {
    List<long[]> rows = Bigram.data(8, VOCAB, 1); // lengths differ: token-level normalisation
    try (Bigram a = new Bigram(VOCAB, 3);
        Bigram b = new Bigram(VOCAB, 3)) {
      TrainResult ra =
          new TrainLoop(
                  cfg(dir.resolve("a")).gradientAccumulationSteps(4).maxSteps(2).build(),
                  List.of(),
                  null)
              .run(task(a, rows, 1));
      TrainResult rb =
          new TrainLoop(
                  cfg(dir.resolve("b")).gradientAccumulationSteps(1).maxSteps(2).build(),
                  List.of(),
                  null)
              .run(task(b, rows, 4));
      float[] wa = a.snapshot();
      float[] wb = b.snapshot();
      for (int i = 0; i < wa.length; i++) {
        assertEquals(wb[i], wa[i], 1e-6, "weight " + i);
      }
      for (int s = 0; s < 2; s++) {
        assertEquals(rb.losses().get(s), ra.losses().get(s), 1e-6);
        assertEquals(
            rb.history().get(s).get("grad_norm"), ra.history().get(s).get("grad_norm"), 1e-5);
      }
    }
  }

  @Test
  void resumedRunContinuesTheSameLossCurve(@TempDir Path dir) throws Exception {
    List<long[]> rows = Bigram.data(10, VOCAB, 2);
    List<Double> full;
    try (Bigram m = new Bigram(VOCAB, 5)) {
      full =
          new TrainLoop(cfg(dir.resolve("full")).build(), List.of(), null)
              .run(task(m, rows, 2))
              .losses();
    }
    Path out = dir.resolve("split");
    StopSignal stop = new StopSignal();
    TrainListener stopAt3 =
        new TrainListener() {
          @Override
          public void onStep(int step, double epoch, Map<String, Double> metrics) {
            if (step == 3) {
              stop.request("test");
            }
          }
        };
    try (Bigram m = new Bigram(VOCAB, 5)) {
      TrainResult first =
          new TrainLoop(cfg(out).build(), List.of(stopAt3), stop).run(task(m, rows, 2));
      assertEquals("stopped", first.reason());
      assertEquals(3, first.step());
      assertTrue(Files.isRegularFile(out.resolve("checkpoint-3/optimizer.safetensors")));
      assertTrue(Files.isRegularFile(out.resolve("checkpoint-3/trainer_state.json")));
      assertTrue(Files.isRegularFile(out.resolve("checkpoint-3/rng_state.json")));
    }
    try (Bigram fresh = new Bigram(VOCAB, 99)) { // different init: resume must overwrite it
      TrainResult second =
          new TrainLoop(cfg(out).resumeFromCheckpoint("latest").build(), List.of(), null)
              .run(task(fresh, rows, 2));
      assertEquals("completed", second.reason());
      List<Double> resumed = second.losses();
      assertEquals(6, resumed.size(), "log history carries over from the checkpoint");
      for (int i = 0; i < 6; i++) {
        assertEquals(full.get(i), resumed.get(i), 0.0, "loss at step " + (i + 1));
      }
    }
  }

  @Test
  void lossGoesDownAndMemoryStaysFlat(@TempDir Path dir) throws Exception {
    List<long[]> rows = Bigram.data(32, VOCAB, 3);
    List<Integer> counts = new ArrayList<>();
    TrainListener counter =
        new TrainListener() {
          @Override
          public void onStep(int step, double epoch, Map<String, Double> metrics) {
            if (step == 5 || step == 60) {
              counts.add(liveArrays());
            }
          }
        };
    try (Bigram m = new Bigram(VOCAB, 6)) {
      TrainResult r =
          new TrainLoop(
                  cfg(dir).learningRate(0.1).maxSteps(60).maxGradNorm(1.0).build(),
                  List.of(counter),
                  null)
              .run(task(m, rows, 4));
      assertEquals(2, counts.size());
      assertEquals(counts.get(0), counts.get(1), "live NDArrays grew between step 5 and 60");
      double first = r.losses().get(0);
      double last = r.losses().get(59);
      assertTrue(last < 0.3 * first, "loss " + first + " -> " + last);
      assertTrue(Files.isRegularFile(dir.resolve("model.safetensors")), "final model saved");
    }
  }

  static int liveArrays() {
    try (NDManager probe = NDManager.newBaseManager()) {
      return probe.getParentManager().getManagedArrays().size();
    }
  }

  @Test
  void nonFiniteLossStopsWithTheStepUnlessSkipped(@TempDir Path dir) throws Exception {
    List<long[]> rows = Bigram.data(8, VOCAB, 4);
    try (Bigram m = new Bigram(VOCAB, 1)) {
      int[] calls = {0};
      Objective<TokenBatch> nanAtThirdStep =
          (batch, scope, training) -> {
            calls[0]++;
            Objective.Loss l = new SftObjective(m).loss(batch, scope, training);
            return calls[0] == 5 ? new Objective.Loss(l.sum().mul(Float.NaN), Map.of()) : l;
          };
      ListSource<long[], TokenBatch> src =
          new ListSource<>(rows, 2, Bigram::collate, 7, true, false);
      TrainTask<TokenBatch> t = new TrainTask<>(nanAtThirdStep, m, src, null);
      IllegalStateException e =
          assertThrows(
              IllegalStateException.class,
              () -> new TrainLoop(cfg(dir.resolve("a")).build(), List.of(), null).run(t));
      assertTrue(e.getMessage().contains("at step 3"), e.getMessage());
      assertTrue(e.getMessage().contains("skip_nonfinite_loss"), e.getMessage());
      calls[0] = 0;
      src.seek("epoch=0,index=0");
      TrainResult r =
          new TrainLoop(cfg(dir.resolve("b")).skipNonFiniteLoss(true).build(), List.of(), null)
              .run(t);
      assertEquals(6, r.step());
      assertTrue(Double.isNaN(r.history().get(2).get("grad_norm")));
      assertFalse(Double.isNaN(r.losses().get(3)));
    }
  }

  /** FAI-RL bug B12: eval_steps had no effect because no eval set was ever built. */
  @Test
  void b12EvalStepsProduceEvalLoss(@TempDir Path dir) throws Exception {
    try (Bigram m = new Bigram(VOCAB, 1)) {
      ListSource<long[], TokenBatch> train =
          new ListSource<>(Bigram.data(8, VOCAB, 4), 2, Bigram::collate, 7, true, false);
      ListSource<long[], TokenBatch> eval =
          new ListSource<>(Bigram.data(4, VOCAB, 5), 2, Bigram::collate, 7, false, false);
      TrainResult r =
          new TrainLoop(cfg(dir).evalSteps(2).build(), List.of(), null)
              .run(new TrainTask<>(new SftObjective(m), m, train, eval));
      assertEquals(
          List.of(2.0, 4.0, 6.0), r.evalHistory().stream().map(e -> e.get("step")).toList());
      assertTrue(r.evalHistory().get(2).get("eval_loss") < r.evalHistory().get(0).get("eval_loss"));
    }
  }

  @Test
  void checkpointsRotateAndIgnoreHalfWrittenFolders(@TempDir Path dir) throws Exception {
    List<long[]> rows = Bigram.data(8, VOCAB, 4);
    Files.createDirectories(dir.resolve(".tmp-checkpoint-9-1"));
    Files.createDirectories(dir.resolve("checkpoint-99")); // no trainer_state.json: incomplete
    try (Bigram m = new Bigram(VOCAB, 1)) {
      new TrainLoop(cfg(dir).saveSteps(1).saveTotalLimit(2).build(), List.of(), null)
          .run(task(m, rows, 2));
    }
    List<Path> kept = Checkpoints.list(dir);
    assertEquals(List.of(dir.resolve("checkpoint-4"), dir.resolve("checkpoint-5")), kept);
    assertEquals(dir.resolve("checkpoint-5"), Checkpoints.latest(dir).orElseThrow());
  }

  @Test
  void adamwFirstStepMovesEachWeightByTheLearningRate() {
    // After one step m_hat = g and v_hat = g^2, so p -= lr * g / (|g| + eps) = lr * sign(g).
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray p = m.create(new float[] {1f, -2f, 3f});
      p.setRequiresGradient(true);
      try (ai.djl.training.GradientCollector gc =
          ai.djl.engine.Engine.getInstance().newGradientCollector()) {
        gc.backward(p.mul(m.create(new float[] {0.5f, -4f, 0f})).sum());
      }
      AdamW opt = new AdamW(Map.of("w", p), 0.9, 0.999, 1e-8, 0.0);
      assertEquals(Math.sqrt(0.25 + 16), opt.clipGradients(0), 1e-6);
      opt.step(0.1);
      assertArrayEquals(new float[] {0.9f, -1.9f, 3f}, p.toFloatArray(), 1e-6f);
      opt.close();
    }
  }

  @Test
  void schedulesMatchHuggingFace() {
    // warmup 2 of 10: 0, lr/2, then linear decay over the remaining 8 steps.
    assertEquals(0.0, LrSchedule.LINEAR.rate(1.0, 0, 2, 10));
    assertEquals(0.5, LrSchedule.LINEAR.rate(1.0, 1, 2, 10));
    assertEquals(1.0, LrSchedule.LINEAR.rate(1.0, 2, 2, 10));
    assertEquals(0.5, LrSchedule.LINEAR.rate(1.0, 6, 2, 10));
    assertEquals(0.5, LrSchedule.COSINE.rate(1.0, 6, 2, 10), 1e-12);
    assertEquals(1.0, LrSchedule.CONSTANT.rate(1.0, 9, 2, 10));
    assertEquals(3, LrSchedule.warmupSteps(0, 0.25, 10));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> LrSchedule.parse("poly"));
    assertTrue(e.getMessage().contains("lr_scheduler_type"));
    IllegalArgumentException bad =
        assertThrows(
            IllegalArgumentException.class,
            () -> TrainConfig.builder(Path.of("x")).learningRate(-1e-5).build());
    assertEquals(
        "training.learning_rate must be > 0, got -1.0E-5; fix it in the recipe", bad.getMessage());
  }
}
