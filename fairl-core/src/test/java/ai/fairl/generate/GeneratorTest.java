package ai.fairl.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.fairl.model.Tokenizer;
import ai.fairl.model.Tokenizers;
import ai.fairl.model.TransformerConfig;
import ai.fairl.model.TransformerModel;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class GeneratorTest {
  static final String ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789 +=.\n";
  static NDManager manager;
  static TransformerModel model;
  static Tokenizer tok;

  @BeforeAll
  static void setUp() {
    manager = NDManager.newBaseManager();
    tok = Tokenizers.charLevel(ALPHABET);
    TransformerConfig c =
        TransformerConfig.tiny("qwen3", Tokenizers.charLevelVocabSize(ALPHABET), 32, 2);
    model = TransformerModel.create(c, manager, DataType.FLOAT32, 11);
  }

  @AfterAll
  static void tearDown() {
    model.close();
    tok.close();
    manager.close();
  }

  /** Sampled tokens' log-probs equal a full forward recompute (what RL trainers do) within 1e-5. */
  @Test
  void logProbsEqualAFullForwardRecompute() {
    long[][] prompts = {
      tok.encode("12+3=", false), tok.encode("a", false), tok.encode("hello wor", false)
    };
    GenerationConfig cfg =
        GenerationConfig.sampling(12, 1.3, 20, 0.95, 5).withStopTokens(List.of(-1L));
    GenerationResult r = new Generator(model, tok).generate(prompts, cfg, null);
    for (int row = 0; row < prompts.length; row++) {
      long[] p = prompts[row];
      long[] g = r.tokens().get(row);
      assertEquals(12, g.length);
      long[] all = new long[p.length + g.length];
      System.arraycopy(p, 0, all, 0, p.length);
      System.arraycopy(g, 0, all, p.length, g.length);
      try (NDManager m = manager.newSubManager()) {
        NDArray ids = m.create(all, new Shape(1, all.length));
        NDArray lsm =
            model.forward(ids, null, null, null, false).logits().logSoftmax(-1); // (1, L, V)
        for (int i = 0; i < g.length; i++) {
          float want = lsm.getFloat(0, p.length - 1 + i, g[i]);
          assertEquals(want, r.logProbs().get(row)[i], 1e-5, "row " + row + " token " + i);
        }
      }
    }
  }

  @Test
  void seededSamplingIsReproducibleAndRowsAreIndependentOfTheBatch() {
    Generator gen = new Generator(model, tok);
    long[][] two = {tok.encode("abc", false), tok.encode("zz top 9", false)};
    GenerationConfig cfg =
        GenerationConfig.sampling(10, 1.0, 0, 1.0, 42).withStopTokens(List.of(-1L));
    GenerationResult a = gen.generate(two, cfg, null);
    GenerationResult b = gen.generate(two, cfg, null);
    assertArrayEquals(a.tokens().get(0), b.tokens().get(0));
    assertArrayEquals(a.tokens().get(1), b.tokens().get(1));
    GenerationResult other = gen.generate(two, cfg.withSeed(43), null);
    assertFalse(java.util.Arrays.equals(a.tokens().get(1), other.tokens().get(1)));
    // greedy rows do not depend on what else is in the batch (left padding + masks + positions)
    GenerationResult alone =
        gen.generate(
            new long[][] {two[0]}, GenerationConfig.greedy(10).withStopTokens(List.of(-1L)), null);
    GenerationResult batched =
        gen.generate(two, GenerationConfig.greedy(10).withStopTokens(List.of(-1L)), null);
    assertArrayEquals(alone.tokens().get(0), batched.tokens().get(0));
  }

  @Test
  void repeatedGenerationLeavesNoArraysBehind() {
    Generator gen = new Generator(model, tok);
    long[][] p = {tok.encode("abc", false), tok.encode("x", false)};
    gen.generate(p, GenerationConfig.greedy(5), null);
    int before = model.manager().getManagedArrays().size();
    for (int i = 0; i < 3; i++) {
      gen.generate(
          p, GenerationConfig.sampling(16, 1.0, 0, 1.0, i).withStopTokens(List.of(-1L)), null);
    }
    assertEquals(before, model.manager().getManagedArrays().size());
  }

  @Test
  void topKOneIsGreedy() {
    Generator gen = new Generator(model, tok);
    long[][] p = {tok.encode("k9", false)};
    GenerationResult greedy =
        gen.generate(p, GenerationConfig.greedy(8).withStopTokens(List.of(-1L)), null);
    GenerationResult k1 =
        gen.generate(
            p, GenerationConfig.sampling(8, 2.0, 1, 1.0, 3).withStopTokens(List.of(-1L)), null);
    assertArrayEquals(greedy.tokens().get(0), k1.tokens().get(0));
    GenerationResult tinyP =
        gen.generate(
            p, GenerationConfig.sampling(8, 2.0, 0, 1e-9, 3).withStopTokens(List.of(-1L)), null);
    assertArrayEquals(greedy.tokens().get(0), tinyP.tokens().get(0));
  }

  @Test
  void stopTokensStopStringsAndStreaming() {
    Generator gen = new Generator(model, tok);
    long[][] p = {tok.encode("q", false)};
    GenerationResult free =
        gen.generate(p, GenerationConfig.greedy(20).withStopTokens(List.of(-1L)), null);
    long[] toks = free.tokens().get(0);
    // stop at the token generated third
    GenerationResult st =
        gen.generate(p, GenerationConfig.greedy(20).withStopTokens(List.of(toks[2])), null);
    int first = 0;
    while (toks[first] != toks[2]) {
      first++;
    }
    assertEquals(first + 1, st.tokens().get(0).length);
    assertEquals(GenerationResult.FinishReason.STOP_TOKEN, st.finishReasons().get(0));
    // a stop string: the text is cut before it
    String text = free.texts().get(0);
    String stop = text.substring(3, 5);
    GenerationResult ss =
        gen.generate(
            p,
            GenerationConfig.greedy(20).withStopStrings(List.of(stop)).withStopTokens(List.of(-1L)),
            null);
    assertEquals(GenerationResult.FinishReason.STOP_STRING, ss.finishReasons().get(0));
    assertEquals(text.substring(0, text.indexOf(stop)), ss.texts().get(0));
    // streaming deltas add up to the text
    StringBuilder streamed = new StringBuilder();
    List<Long> ids = new ArrayList<>();
    GenerationResult s =
        gen.generate(
            p,
            GenerationConfig.greedy(20).withStopTokens(List.of(-1L)),
            (row, id, delta) -> {
              streamed.append(delta);
              ids.add(id);
            });
    assertEquals(s.texts().get(0), streamed.toString());
    assertEquals(20, ids.size());
    assertEquals(GenerationResult.FinishReason.LENGTH, s.finishReasons().get(0));
  }

  @Test
  void badInputIsExplained() {
    Generator gen = new Generator(model, tok);
    String msg =
        assertThrows(
                IllegalArgumentException.class,
                () -> gen.generate(new long[][] {{999}}, GenerationConfig.greedy(2), null))
            .getMessage();
    assertTrue(msg.contains("999") && msg.contains("vocabulary"), msg);
    msg =
        assertThrows(
                IllegalArgumentException.class, () -> GenerationConfig.sampling(4, -1, 0, 1, 0))
            .getMessage();
    assertTrue(msg.contains("temperature"), msg);
    assertNotEquals(0, tok.encode("abc", false).length);
  }
}
