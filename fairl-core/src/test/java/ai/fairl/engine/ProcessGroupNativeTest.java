/*
 * fairl-native's c10d process groups on the CPU (Gloo from Debian's libtorch 1.13): two ranks in
 * one JVM, each on its own thread, rendezvous through a real TCPStore on a free port and run every
 * collective with values checkable by hand. Tagged "native": run by fairl-native/test-cpu.sh.
 */
package ai.fairl.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("native")
class ProcessGroupNativeTest {

  @BeforeEach
  void onFairlNative() {
    assertTrue(
        EngineInfo.current().isFairlNative(),
        "process groups need fairl-native, but DJL runs on " + EngineInfo.current().describe());
    assertTrue(
        ProcessGroup.available().contains(ProcessGroup.Backend.GLOO),
        "this fairl-native has no Gloo process group (build it with libgloo-dev installed): "
            + ProcessGroup.available());
  }

  interface PerRank {
    float[][] run(ProcessGroup g, NDManager m);
  }

  /** Runs {@code body} on ranks 0 and 1 concurrently; returns each rank's results. */
  private static List<float[][]> onTwoRanks(PerRank body) throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      List<Future<float[][]>> fs = new ArrayList<>();
      for (int r = 0; r < 2; r++) {
        int rank = r;
        int p = port;
        fs.add(
            pool.submit(
                () -> {
                  try (ProcessGroup g =
                          ProcessGroup.join(
                              ProcessGroup.Backend.GLOO,
                              "127.0.0.1",
                              p,
                              rank,
                              2,
                              0,
                              Duration.ofSeconds(30));
                      NDManager m = NDManager.newBaseManager()) {
                    assertEquals(rank, g.rank());
                    assertEquals(2, g.size());
                    return body.run(g, m);
                  }
                }));
      }
      List<float[][]> out = new ArrayList<>();
      for (Future<float[][]> f : fs) {
        out.add(f.get(60, TimeUnit.SECONDS));
      }
      return out;
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void allReduceSumAvgMaxAndBuckets() throws Exception {
    List<float[][]> res =
        onTwoRanks(
            (g, m) -> {
              float r = g.rank();
              NDArray sum = m.create(new float[] {1 + r, 10 * r}); // rank0 {1,0}, rank1 {2,10}
              g.allReduce(sum, ProcessGroup.ReduceOp.SUM);
              NDArray avg = m.create(new float[] {1 + r, 10 * r});
              g.allReduce(avg, ProcessGroup.ReduceOp.AVG);
              NDArray max = m.create(new float[] {5 - 4 * r, r});
              g.allReduce(max, ProcessGroup.ReduceOp.MAX);
              // one bucket of two tensors of different shapes, reduced with one collective
              NDArray a = m.create(new float[] {r, 1, 2, 3}, new Shape(2, 2));
              NDArray b = m.create(new float[] {100 * r});
              g.allReduceCoalesced(List.of(a, b), ProcessGroup.ReduceOp.SUM);
              g.barrier();
              assertEquals(new Shape(2, 2), a.getShape(), "shapes survive the flat buffer");
              return new float[][] {
                sum.toFloatArray(),
                avg.toFloatArray(),
                max.toFloatArray(),
                a.toFloatArray(),
                b.toFloatArray()
              };
            });
    for (float[][] r : res) {
      assertArrayEquals(new float[] {3, 10}, r[0]);
      assertArrayEquals(new float[] {1.5f, 5}, r[1]);
      assertArrayEquals(new float[] {5, 1}, r[2]);
      assertArrayEquals(new float[] {1, 2, 4, 6}, r[3]);
      assertArrayEquals(new float[] {100}, r[4]);
    }
  }

  @Test
  void broadcastAllGatherReduceScatter() throws Exception {
    List<float[][]> res =
        onTwoRanks(
            (g, m) -> {
              float r = g.rank();
              NDArray w = m.create(new float[] {7 + r, 8 + r, 9 + r}, new Shape(3));
              g.broadcast(w, 0);
              NDArray gathered = g.allGather(m.create(new float[] {r, r + 0.5f}, new Shape(1, 2)));
              assertEquals(new Shape(2, 2), gathered.getShape());
              // (4,) = 2 ranks x 2 rows: summed, rank r keeps rows 2r, 2r+1
              NDArray rs =
                  g.reduceScatter(
                      m.create(new float[] {1, 2, 3, 4}).add(r), ProcessGroup.ReduceOp.SUM);
              assertEquals(new Shape(2), rs.getShape());
              return new float[][] {w.toFloatArray(), gathered.toFloatArray(), rs.toFloatArray()};
            });
    for (float[][] r : res) {
      assertArrayEquals(new float[] {7, 8, 9}, r[0], "rank 0's values everywhere");
      assertArrayEquals(new float[] {0, 0.5f, 1, 1.5f}, r[1], "rank order");
    }
    // sums: {1,2,3,4} + {2,3,4,5} = {3,5,7,9}
    assertArrayEquals(new float[] {3, 5}, res.get(0)[2]);
    assertArrayEquals(new float[] {7, 9}, res.get(1)[2]);
  }

  @Test
  void badArgumentsAreClearErrors() throws Exception {
    List<float[][]> res =
        onTwoRanks(
            (g, m) -> {
              Exception e =
                  assertThrows(
                      Exception.class,
                      () ->
                          g.reduceScatter(
                              m.create(new float[] {1, 2, 3}), ProcessGroup.ReduceOp.SUM));
              assertTrue(e.getMessage().contains("divisible by the world size 2"), e.getMessage());
              assertThrows(
                  IllegalArgumentException.class, () -> g.broadcast(m.zeros(new Shape(1)), 2));
              return new float[0][];
            });
    assertEquals(2, res.size());
    assertThrows(
        IllegalArgumentException.class,
        () ->
            ProcessGroup.join(
                ProcessGroup.Backend.GLOO, "127.0.0.1", 29500, 2, 2, 0, Duration.ofSeconds(1)));
  }
}
