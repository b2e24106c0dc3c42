package ai.fairl.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.fairl.model.TransformerConfig;
import ai.fairl.model.TransformerModel;
import ai.fairl.model.lora.LoraConfig;
import ai.fairl.model.lora.LoraModel;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The decode session's device-side bookkeeping (padding, positions, sliding window) against a full
 * forward, and what a kept CUDA graph is keyed on.
 */
class DecodeSessionTest {

  /** Left-padded rows on a sliding-window model: every sampled log-prob equals a full recompute. */
  @Test
  void slidingWindowAndPaddingMatchAFullForward() {
    TransformerConfig c = TransformerConfig.tiny("mistral", 53, 32, 2).withSlidingWindow(5);
    try (NDManager m = NDManager.newBaseManager();
        TransformerModel model = TransformerModel.create(c, m, DataType.FLOAT32, 4);
        Generator gen = new Generator(model, null)) {
      long[][] prompts = {{3, 9, 27, 1, 44, 5, 8}, {12}, {7, 7, 30}};
      GenerationResult r =
          gen.generate(
              prompts,
              GenerationConfig.sampling(9, 1.1, 0, 0.9, 21).withStopTokens(List.of(-1L)),
              null);
      assertEquals("static-eager", gen.lastDecodePath());
      for (int row = 0; row < prompts.length; row++) {
        long[] p = prompts[row];
        long[] g = r.tokens().get(row);
        long[] all = new long[p.length + g.length];
        System.arraycopy(p, 0, all, 0, p.length);
        System.arraycopy(g, 0, all, p.length, g.length);
        try (NDManager s = m.newSubManager()) {
          NDArray lsm =
              model
                  .forward(s.create(all, new Shape(1, all.length)), null, null, null, false)
                  .logits()
                  .logSoftmax(-1); // (1, L, V)
          for (int i = 0; i < g.length; i++) {
            float want = lsm.getFloat(0, p.length - 1 + i, g[i]);
            assertEquals(want, r.logProbs().get(row)[i], 1e-5, "row " + row + " token " + i);
          }
        }
      }
    }
  }

  /** In-place updates keep a kept graph valid; replaced tensors and toggled adapters do not. */
  @Test
  void graphKeyFollowsTheModelTensorsNotTheirValues() {
    TransformerConfig c = TransformerConfig.tiny("qwen2", 41, 32, 1);
    try (NDManager m = NDManager.newBaseManager();
        TransformerModel model = TransformerModel.create(c, m, DataType.FLOAT32, 2)) {
      GenerationConfig g = GenerationConfig.greedy(4);
      DecodeSession.Key k0 = DecodeSession.key(model, 2, 64, g, true);
      NDArray w = model.parameters().get("model.layers.0.mlp.up_proj.weight");
      w.addi(m.ones(w.getShape()));
      assertEquals(k0, DecodeSession.key(model, 2, 64, g, true), "in-place update");
      assertNotEquals(k0, DecodeSession.key(model, 3, 64, g, true), "batch");
      assertNotEquals(k0, DecodeSession.key(model, 2, 128, g, true), "capacity");
      assertNotEquals(
          k0,
          DecodeSession.key(model, 2, 64, GenerationConfig.sampling(4, 1, 0, 1, 0), true),
          "sampling settings");
      try (LoraModel lora =
          LoraModel.inject(
              model,
              new LoraConfig(2, 4, 0, List.of("q_proj"), null, null, LoraConfig.Bias.NONE),
              1,
              "t")) {
        DecodeSession.Key withAdapters = DecodeSession.key(model, 2, 64, g, true);
        assertNotEquals(k0, withAdapters, "adapters added");
        model.setAdaptersEnabled(false);
        assertNotEquals(withAdapters, DecodeSession.key(model, 2, 64, g, true), "adapters off");
        model.setAdaptersEnabled(true);
        assertEquals(withAdapters, DecodeSession.key(model, 2, 64, g, true), "adapters on again");
      }
    }
  }
}
