package ai.fairl.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The static-cache decode step (what CUDA graphs capture) against the dynamic-cache forward, on the
 * CPU: same greedy tokens and logits within 1e-5, with left padding, grouped-query attention,
 * qk-norm (qwen3), Llama 3 rope scaling and a sliding window shorter than the sequence.
 */
public class StaticDecodeTest {

  @ParameterizedTest
  @ValueSource(strings = {"llama", "qwen2", "qwen3", "mistral-window"})
  void staticDecodeEqualsDynamicDecode(String family) {
    TransformerConfig c =
        family.equals("mistral-window")
            ? TransformerConfig.tiny("mistral", 61, 32, 2).withSlidingWindow(6)
            : TransformerConfig.tiny(family, 61, 32, 2);
    int b = 2;
    int promptLen = 5;
    int steps = 9;
    int capacity = promptLen + steps + 3; // slack slots stay masked
    long[] prompt = {3, 14, 15, 9, 26, /* row 1, two pads: */ 0, 0, 53, 58, 9};
    long[] pads = {0, 2};
    try (NDManager m = NDManager.newBaseManager();
        TransformerModel model = TransformerModel.create(c, m, DataType.FLOAT32, 5);
        NDManager run = m.newSubManager();
        KvCache dyn = model.newCache(run);
        StaticKvCache st = model.newStaticCache(run, b, capacity)) {
      long[] mask = new long[b * (promptLen + steps)];
      for (int r = 0; r < b; r++) {
        for (int j = 0; j < promptLen + steps; j++) {
          mask[r * (promptLen + steps) + j] = j < pads[r] ? 0 : 1;
        }
      }
      NDArray ids = run.create(prompt, new Shape(b, promptLen));
      NDArray pm =
          run.create(promptMask(mask, b, promptLen + steps, promptLen), new Shape(b, promptLen));
      NDArray logits = model.forward(ids, pm, null, dyn, false, 1).logits().reshape(b, 61);
      st.load(dyn);
      long[] next = logits.argMax(1).toLongArray();
      for (int s = 0; s < steps; s++) {
        int cur = promptLen + s; // the column (slot) of the token being fed
        try (NDManager sm = run.newSubManager()) {
          NDArray in = sm.create(next, new Shape(b, 1));
          NDArray dm =
              sm.create(promptMask(mask, b, promptLen + steps, cur + 1), new Shape(b, cur + 1));
          float[] want =
              model.forward(in, dm, null, dyn, false, 1).logits().reshape(b, 61).toFloatArray();
          long[] pos = new long[b];
          boolean[] keys = new boolean[b * capacity];
          for (int r = 0; r < b; r++) {
            pos[r] = cur - pads[r];
            for (int j = 0; j < capacity; j++) {
              boolean inWindow = c.slidingWindow() <= 0 || cur - j < c.slidingWindow();
              keys[r * capacity + j] = j <= cur && j >= pads[r] && inWindow;
            }
          }
          NDArray got =
              model.decodeStatic(
                  sm,
                  sm.create(next, new Shape(b, 1)),
                  sm.create(pos, new Shape(b, 1)),
                  sm.create(keys, new Shape(b, capacity)),
                  sm.create(new long[] {cur}, new Shape(1)),
                  st);
          float[] g = got.toFloatArray();
          double maxDiff = 0;
          for (int i = 0; i < g.length; i++) {
            maxDiff = Math.max(maxDiff, Math.abs(g[i] - want[i]));
          }
          assertTrue(maxDiff < 1e-5, family + " step " + s + ": max |logit diff| " + maxDiff);
          long[] a = got.argMax(1).toLongArray();
          long[] w = sm.create(want, new Shape(b, 61)).argMax(1).toLongArray();
          assertEquals(w[0], a[0], family + " step " + s + " row 0");
          assertEquals(w[1], a[1], family + " step " + s + " row 1");
          next = a;
        }
      }
      // ids that are not (batch, 1) are refused with their shape
      assertThrows(
          IllegalArgumentException.class, () -> model.decodeStatic(run, ids, ids, ids, ids, st));
    }
  }

  private static long[] promptMask(long[] mask, int b, int stride, int cols) {
    long[] out = new long[b * cols];
    for (int r = 0; r < b; r++) {
      System.arraycopy(mask, r * stride, out, r * cols, cols);
    }
    return out;
  }
}
