package ai.fairl.infer;

/**
 * Sampling settings, FAI-RL's {@code temperature}, {@code top_p}, {@code max_new_tokens} and {@code
 * do_sample}. With {@code doSample == false} decoding is greedy and temperature and top_p are not
 * used (API providers are sent temperature 0).
 */
public record GenerationParams(
    double temperature, double topP, int maxNewTokens, boolean doSample) {
  public GenerationParams {
    if (!(temperature >= 0) || temperature > 2) {
      throw new IllegalArgumentException(
          "temperature must be in [0, 2], got " + temperature + "; use 0.0 for greedy decoding");
    }
    if (!(topP > 0) || topP > 1) {
      throw new IllegalArgumentException("top_p must be in (0, 1], got " + topP);
    }
    if (maxNewTokens < 1) {
      throw new IllegalArgumentException("max_new_tokens must be >= 1, got " + maxNewTokens);
    }
  }

  /** Greedy decoding of at most {@code maxNewTokens} tokens. */
  public static GenerationParams greedy(int maxNewTokens) {
    return new GenerationParams(0.0, 1.0, maxNewTokens, false);
  }

  /** True when sampling is on with a temperature above zero. */
  public boolean sampling() {
    return doSample && temperature > 0;
  }
}
