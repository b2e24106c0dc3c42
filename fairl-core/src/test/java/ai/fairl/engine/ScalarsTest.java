package ai.fairl.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

class ScalarsTest {

  @Test
  void gradientsOfScalarOpsSurviveGarbageCollectionBeforeTheBackwardPass() throws Exception {
    assertEquals(0, badRounds(x -> Scalars.mul(x, 3), 3f, 40), "mul");
    assertEquals(0, badRounds(x -> Scalars.div(x, 4), 0.25f, 40), "div");
    assertEquals(0, badRounds(x -> Scalars.pow(x, 2), 2f, 40), "pow at x = 1");
    assertEquals(0, badRounds(x -> Scalars.maximum(x, 0), 1f, 40), "maximum");
    assertEquals(0, badRounds(x -> Scalars.minimum(x, 5), 1f, 40), "minimum");
  }

  @Test
  void scalarsTakeTheDtypeAndDeviceOfTheTensor() {
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray i = m.arange(0, 6, 1, DataType.INT64);
      assertEquals(DataType.INT64, Scalars.maximum(i.sub(2), 0).getDataType());
      assertEquals(6L, Scalars.maximum(i.sub(2), 0).sum().getLong());
      NDArray f = m.ones(new Shape(2, 3));
      assertEquals(DataType.FLOAT32, Scalars.mul(f, 0.5).getDataType());
      assertEquals(3f, Scalars.mul(f, 0.5).sum().getFloat(), 1e-6);
      assertEquals(f.getDevice(), Scalars.of(f, 1).getDevice());
    }
  }

  /**
   * Rounds (of {@code rounds}) whose gradient of sum(op(x)) at x = 1 is not {@code expected}
   * everywhere, with the garbage collector run and freed direct memory refilled with NaN between
   * the forward and the backward pass.
   */
  static int badRounds(UnaryOperator<NDArray> op, float expected, int rounds) throws Exception {
    int bad = 0;
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray x = m.ones(new Shape(256));
      x.setRequiresGradient(true);
      for (int r = 0; r < rounds; r++) {
        try (NDManager step = m.newSubManager();
            GradientCollector gc = Engine.getInstance().newGradientCollector()) {
          NDArray y = op.apply(x).sum();
          churnDirectMemory();
          gc.backward(y);
          NDArray g = x.getGradient();
          if (!g.eq(expected).all().getBoolean()) {
            bad++;
          }
          g.set(g.isNaN().logicalOr(g.isInfinite()), 0f);
          g.subi(g);
        }
      }
    }
    return bad;
  }

  private static void churnDirectMemory() throws InterruptedException {
    System.gc();
    Thread.sleep(5);
    List<ByteBuffer> keep = new ArrayList<>();
    for (int i = 0; i < 2000; i++) {
      ByteBuffer b = ByteBuffer.allocateDirect(4).order(ByteOrder.nativeOrder());
      b.putFloat(0, Float.NaN);
      keep.add(b);
    }
    keep.clear();
  }
}
