package ai.fairl.model;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.fairl.generate.GenerationConfig;
import ai.fairl.generate.GenerationResult;
import ai.fairl.generate.Generator;
import java.util.List;

/**
 * Prints CPU throughput of a tiny model: generation tokens/s (KV cache, greedy) at batch 1 and 16,
 * and forward (prefill) tokens/s. A benchmark prints numbers; it asserts nothing.
 *
 * <p>Usage: {@code java -cp ... ai.fairl.model.ModelBenchmark [family] [hidden] [layers]
 * [newTokens]} (defaults: qwen2 64 2 64).
 */
public final class ModelBenchmark {
  private ModelBenchmark() {}

  public static void main(String[] args) {
    String family = args.length > 0 ? args[0] : "qwen2";
    int hidden = args.length > 1 ? Integer.parseInt(args[1]) : 64;
    int layers = args.length > 2 ? Integer.parseInt(args[2]) : 2;
    int newTokens = args.length > 3 ? Integer.parseInt(args[3]) : 64;
    int promptLen = 16;
    TransformerConfig c = TransformerConfig.tiny(family, 256, hidden, layers);
    System.out.printf(
        "model: tiny %s hidden=%d layers=%d vocab=%d params=%d, prompt=%d, new_tokens=%d, threads OMP_NUM_THREADS=%s%n",
        family,
        hidden,
        layers,
        c.vocabSize(),
        c.parameterCount(),
        promptLen,
        newTokens,
        System.getenv("OMP_NUM_THREADS"));
    try (NDManager m = NDManager.newBaseManager();
        TransformerModel model = TransformerModel.create(c, m, DataType.FLOAT32, 0)) {
      Generator gen = new Generator(model, null);
      GenerationConfig cfg = GenerationConfig.greedy(newTokens).withStopTokens(List.of(-1L));
      for (int batch : new int[] {1, 16}) {
        long[][] prompts = new long[batch][promptLen];
        for (int r = 0; r < batch; r++) {
          for (int i = 0; i < promptLen; i++) {
            prompts[r][i] = (r * 31 + i * 7) % 256;
          }
        }
        gen.generate(prompts, cfg, null); // warm-up at full length (JIT, allocator)
        int reps = batch == 1 ? 3 : 2;
        long t0 = System.nanoTime();
        long tokens = 0;
        for (int k = 0; k < reps; k++) {
          GenerationResult r = gen.generate(prompts, cfg, null);
          for (long[] t : r.tokens()) {
            tokens += t.length;
          }
        }
        double s = (System.nanoTime() - t0) / 1e9;
        System.out.printf(
            "generate batch=%d: %.1f new tokens/s (%d tokens in %.2f s)%n",
            batch, tokens / s, tokens, s);
        long t1 = System.nanoTime();
        int fwd = 5;
        for (int k = 0; k < fwd; k++) {
          try (NDManager sm = m.newSubManager()) {
            long[] flat = new long[batch * 128];
            for (int i = 0; i < flat.length; i++) {
              flat[i] = i % 256;
            }
            model
                .forward(
                    sm.create(flat, new ai.djl.ndarray.types.Shape(batch, 128)),
                    null,
                    null,
                    null,
                    false)
                .logits()
                .toFloatArray();
          }
        }
        double s2 = (System.nanoTime() - t1) / 1e9;
        System.out.printf(
            "forward  batch=%d seq=128: %.1f tokens/s%n", batch, fwd * batch * 128 / s2);
      }
    }
  }
}
