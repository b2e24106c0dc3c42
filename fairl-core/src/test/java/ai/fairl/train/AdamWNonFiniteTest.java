package ai.fairl.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A skipped non-finite step must leave clean zero gradients, not NaN ones. */
class AdamWNonFiniteTest {
  @Test
  void zeroNonFiniteGradientsClearsNanAndInf() {
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray w = m.create(new float[] {1, 2, 3, 4}, new Shape(4));
      w.setRequiresGradient(true);
      try (var gc = m.getEngine().newGradientCollector()) {
        NDArray y = w.mul(m.create(new float[] {Float.POSITIVE_INFINITY, Float.NaN, 1, 0}));
        gc.backward(y.sum());
      }
      Map<String, NDArray> params = new LinkedHashMap<>();
      params.put("w", w);
      AdamW opt = new AdamW(params, 0.9, 0.999, 1e-8, 0.0);
      opt.zeroNonFiniteGradients();
      assertArrayEquals(new float[] {0, 0, 0, 0}, w.getGradient().toFloatArray());
    }
  }
}
