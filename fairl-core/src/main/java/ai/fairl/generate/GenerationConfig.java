package ai.fairl.generate;

import java.util.List;

/**
 * How to generate. {@code temperature == 0} is greedy decoding; otherwise tokens are sampled from
 * {@code softmax(logits / temperature)} restricted to the {@code topK} most likely tokens (0: all)
 * and then to the smallest set whose probability reaches {@code topP} (1: all), in that order, as
 * transformers applies its logits warpers.
 *
 * @param maxNewTokens upper bound on generated tokens per row (>= 1)
 * @param temperature 0 for greedy, else > 0
 * @param topK 0 or a positive count
 * @param topP in (0, 1]
 * @param seed seeds the sampler; row {@code i} draws from its own stream, so a row's sample does
 *     not depend on the other rows of the batch
 * @param stopTokenIds a row ends after producing one of these (the token is kept in the output);
 *     empty means the model's eos ids (see {@link Generator})
 * @param stopStrings a row ends once its text contains one of these; the returned text is cut
 *     before it
 */
public record GenerationConfig(
    int maxNewTokens,
    double temperature,
    int topK,
    double topP,
    long seed,
    List<Long> stopTokenIds,
    List<String> stopStrings) {

  public GenerationConfig {
    if (maxNewTokens < 1) {
      throw new IllegalArgumentException("max_new_tokens must be >= 1, got " + maxNewTokens);
    }
    if (!(temperature >= 0) || Double.isInfinite(temperature)) {
      throw new IllegalArgumentException(
          "temperature must be >= 0 (0 = greedy), got " + temperature);
    }
    if (topK < 0) {
      throw new IllegalArgumentException("top_k must be >= 0 (0 = off), got " + topK);
    }
    if (!(topP > 0 && topP <= 1)) {
      throw new IllegalArgumentException("top_p must be in (0, 1], got " + topP);
    }
    stopTokenIds = List.copyOf(stopTokenIds);
    stopStrings = List.copyOf(stopStrings);
    for (String s : stopStrings) {
      if (s.isEmpty()) {
        throw new IllegalArgumentException("stop strings must not be empty");
      }
    }
  }

  /** Greedy decoding of at most {@code maxNewTokens}, stopping at the model's eos ids. */
  public static GenerationConfig greedy(int maxNewTokens) {
    return new GenerationConfig(maxNewTokens, 0, 0, 1.0, 0, List.of(), List.of());
  }

  /** Sampling with temperature, top-k (0 = off) and top-p (1 = off). */
  public static GenerationConfig sampling(
      int maxNewTokens, double temperature, int topK, double topP, long seed) {
    return new GenerationConfig(maxNewTokens, temperature, topK, topP, seed, List.of(), List.of());
  }

  public GenerationConfig withStopTokens(List<Long> ids) {
    return new GenerationConfig(maxNewTokens, temperature, topK, topP, seed, ids, stopStrings);
  }

  public GenerationConfig withStopStrings(List<String> strings) {
    return new GenerationConfig(maxNewTokens, temperature, topK, topP, seed, stopTokenIds, strings);
  }

  public GenerationConfig withSeed(long newSeed) {
    return new GenerationConfig(
        maxNewTokens, temperature, topK, topP, newSeed, stopTokenIds, stopStrings);
  }

  public boolean isGreedy() {
    return temperature == 0;
  }
}
