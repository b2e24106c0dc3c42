package ai.fairl.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.fairl.train.sft.SftObjective;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The TrainLoop's data-parallel path with two ranks in one JVM, on stock DJL: a {@link
 * DataParallel} test double whose collectives meet at a barrier (the real one, over Gloo between
 * processes, is DataParallelNativeTest). DJL allows one gradient collector at a time per JVM, so
 * the ranks take turns: each holds a lock while it computes and gives it up inside every
 * collective, exactly where a real rank would wait for the others.
 */
class DataParallelLoopTest {
  static final int VOCAB = 16;

  /** Two ranks sharing sums through a barrier. */
  static final class InMemoryGroup {
    final int size;
    final CyclicBarrier barrier;
    final ReentrantLock compute = new ReentrantLock();
    final Object[] slots;
    int collectives;

    InMemoryGroup(int size) {
      this.size = size;
      this.barrier = new CyclicBarrier(size);
      this.slots = new Object[size];
    }

    /** Every rank contributes one float[][]; every rank gets the element-wise sum. */
    float[][] allSum(int rank, float[][] mine) {
      compute.unlock();
      try {
        slots[rank] = mine;
        barrier.await(30, TimeUnit.SECONDS);
        float[][] sum = new float[mine.length][];
        for (int t = 0; t < mine.length; t++) {
          sum[t] = new float[mine[t].length];
          for (int r = 0; r < size; r++) {
            float[] v = ((float[][]) slots[r])[t];
            for (int i = 0; i < v.length; i++) {
              sum[t][i] += v[i];
            }
          }
        }
        barrier.await(30, TimeUnit.SECONDS); // nobody overwrites a slot before all have read
        if (rank == 0) {
          collectives++;
        }
        return sum;
      } catch (Exception e) {
        throw new IllegalStateException(e);
      } finally {
        compute.lock();
      }
    }

    DataParallel rank(int r) {
      return new DataParallel() {
        @Override
        public int rank() {
          return r;
        }

        @Override
        public int worldSize() {
          return size;
        }

        @Override
        public double[] sum(double[] values) {
          float[] f = new float[values.length];
          double[] out = new double[values.length];
          // doubles travel as two floats (high part, rest) so sums of counts stay exact
          float[] lo = new float[values.length];
          for (int i = 0; i < f.length; i++) {
            f[i] = (float) values[i];
            lo[i] = (float) (values[i] - f[i]);
          }
          float[][] s = allSum(r, new float[][] {f, lo});
          for (int i = 0; i < out.length; i++) {
            out[i] = (double) s[0][i] + s[1][i];
          }
          return out;
        }

        @Override
        public void broadcastParameters(Map<String, NDArray> params) {
          float[][] mine = new float[params.size()][];
          int k = 0;
          for (NDArray p : params.values()) {
            float[] v = p.toFloatArray();
            mine[k++] = r == 0 ? v : new float[v.length]; // a sum with zeros elsewhere
          }
          float[][] root = allSum(r, mine);
          k = 0;
          for (NDArray p : params.values()) {
            p.set(root[k++]);
          }
        }

        @Override
        public void sumGradients(Map<String, NDArray> params) {
          try (NDScope scope = new NDScope()) {
            float[][] mine = new float[params.size()][];
            int k = 0;
            for (NDArray p : params.values()) {
              mine[k++] = p.getGradient().toFloatArray();
            }
            float[][] sum = allSum(r, mine);
            k = 0;
            for (NDArray p : params.values()) {
              p.getGradient().set(sum[k++]);
            }
          }
        }

        @Override
        public void barrier() {
          allSum(r, new float[0][]);
        }

        @Override
        public void close() {}
      };
    }
  }

  static TrainTask<TokenBatch> task(Bigram model, List<long[]> rows, int batchSize) {
    ListSource<long[], TokenBatch> src =
        new ListSource<>(rows, batchSize, Bigram::collate, 7, true, false);
    return new TrainTask<>(new SftObjective(model), model, src, null);
  }

  static TrainConfig.Builder cfg(Path out, int accumulation) {
    return TrainConfig.builder(out)
        .algorithm("sft")
        .learningRate(0.05)
        .warmupSteps(1)
        .gradientAccumulationSteps(accumulation)
        .loggingSteps(1)
        .saveSteps(2)
        .maxSteps(4);
  }

  @Test
  void twoRanksEqualOneProcessWithTheSameGlobalBatch(@TempDir Path dir) throws Exception {
    // lengths differ, so ranks hold different numbers of loss tokens: the global normalisation
    // (not a plain average of per-rank losses) is what makes the runs agree
    List<long[]> rows = Bigram.data(24, VOCAB, 4);
    TrainResult single;
    float[] singleWeights;
    try (Bigram m = new Bigram(VOCAB, 3)) {
      single =
          new TrainLoop(cfg(dir.resolve("one"), 4).build(), List.of(), null).run(task(m, rows, 1));
      singleWeights = m.snapshot();
    }

    InMemoryGroup group = new InMemoryGroup(2);
    Path out = dir.resolve("two");
    List<Map<String, Double>> rank0Steps = new ArrayList<>();
    List<Map<String, Double>> rank1Steps = new ArrayList<>();
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      List<Future<Object[]>> futures = new ArrayList<>();
      for (int r = 0; r < 2; r++) {
        int rank = r;
        List<Map<String, Double>> seen = rank == 0 ? rank0Steps : rank1Steps;
        TrainListener record =
            new TrainListener() {
              @Override
              public void onStep(int step, double epoch, Map<String, Double> metrics) {
                seen.add(metrics);
              }
            };
        Future<Object[]> f =
            pool.submit(
                () -> {
                  group.compute.lock();
                  // torch's grad mode is per thread and on by default; DJL turns it off on the
                  // thread that loads the engine, so do the same here
                  ai.djl.pytorch.jni.JniUtils.setGradMode(false);
                  // rank 1 starts from other weights: the broadcast from rank 0 must fix that
                  try (Bigram m = new Bigram(VOCAB, rank == 0 ? 3 : 77)) {
                    TrainResult res =
                        new TrainLoop(
                                cfg(out, 2).build(),
                                List.of(record, new MetricsJsonl()),
                                null,
                                group.rank(rank))
                            .run(task(m, rows, 1));
                    return new Object[] {res, m.snapshot()};
                  } finally {
                    group.compute.unlock();
                  }
                });
        futures.add(f);
      }
      Object[] out0 = futures.get(0).get(120, TimeUnit.SECONDS);
      Object[] out1 = futures.get(1).get(120, TimeUnit.SECONDS);
      TrainResult r0 = (TrainResult) out0[0];
      float[] w0 = (float[]) out0[1];
      float[] w1 = (float[]) out1[1];
      for (int i = 0; i < w0.length; i++) {
        assertEquals(w0[i], w1[i], 0.0, "replicas stay identical, weight " + i);
        assertEquals(singleWeights[i], w0[i], 1e-5, "weight " + i + " vs one process");
      }
      assertEquals(4, r0.losses().size());
      for (int s = 0; s < 4; s++) {
        assertEquals(single.losses().get(s), r0.losses().get(s), 1e-5, "loss at step " + (s + 1));
        assertEquals(
            single.history().get(s).get("grad_norm"),
            r0.history().get(s).get("grad_norm"),
            1e-4,
            "grad_norm at step " + (s + 1));
        assertEquals(
            single.history().get(s).get("num_tokens"),
            r0.history().get(s).get("num_tokens"),
            0.0,
            "tokens count the global batch");
      }
    } finally {
      pool.shutdownNow();
    }
    assertEquals(4, rank0Steps.size(), "rank 0 notifies its listeners");
    assertTrue(rank1Steps.isEmpty(), "rank 1 notifies no listener");
    assertTrue(Files.isRegularFile(out.resolve("metrics.jsonl")));
    assertEquals(4, Files.readAllLines(out.resolve("metrics.jsonl")).size(), "one writer");
    assertTrue(Files.isDirectory(out.resolve("checkpoint-2")), "rank 0 checkpoints");
    assertTrue(group.collectives > 0);
  }

  @Test
  void shardedSourcesDealTheGlobalBatchRoundRobin() {
    List<long[]> rows = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      rows.add(new long[] {i, i});
    }
    List<Long> seen0 = new ArrayList<>();
    List<Long> seen1 = new ArrayList<>();
    BatchSource<TokenBatch> a =
        new ListSource<>(rows, 1, Bigram::collate, 1, false, false).shard(0, 2);
    BatchSource<TokenBatch> b =
        new ListSource<>(rows, 1, Bigram::collate, 1, false, false).shard(1, 2);
    assertEquals(5, a.microBatchesPerEpoch());
    try (ai.djl.ndarray.NDManager m = ai.djl.ndarray.NDManager.newBaseManager()) {
      for (int i = 0; i < 6; i++) {
        seen0.add(a.next(m).inputIds()[0]);
        seen1.add(b.next(m).inputIds()[0]);
        assertEquals(a.position(), b.position(), "ranks stand at the same position");
      }
    }
    assertEquals(List.of(0L, 2L, 4L, 6L, 8L, 0L), seen0);
    assertEquals(List.of(1L, 3L, 5L, 7L, 9L, 1L), seen1);
    assertNotEquals(seen0, seen1);
    BatchSource<TokenBatch> one = new ListSource<>(rows, 1, Bigram::collate, 1, false, false);
    assertTrue(one.shard(0, 1) == one, "one rank: the source itself");
  }

  @Test
  void tooLittleDataForTheRanksIsAnError() {
    List<long[]> rows = List.of(new long[] {1, 2});
    BatchSource<TokenBatch> s =
        new ListSource<>(rows, 1, Bigram::collate, 1, false, false).shard(0, 2);
    IllegalArgumentException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            IllegalArgumentException.class, s::microBatchesPerEpoch);
    assertTrue(e.getMessage().contains("fewer than the 2 ranks"), e.getMessage());
  }
}
