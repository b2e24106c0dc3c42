package ai.fairl.model.lora;

/**
 * 4-bit code books of bitsandbytes ({@code bnb_4bit_quant_type}). Each code is a fraction of the
 * block's absmax.
 *
 * <ul>
 *   <li>{@code NF4}: NormalFloat4 from the QLoRA paper (Dettmers et al. 2023, Appendix E): the
 *       quantiles of N(0,1) normalised to [-1, 1], with an exact zero; the values are bitsandbytes'
 *       table.
 *   <li>{@code FP4}: bitsandbytes' fp4 (1 sign, 2 exponent, 1 mantissa bits) as its dequantisation
 *       tree decodes it: 0, 0.0052, 2/3, 1, 1/3, 1/2, 1/6, 1/4 and their negatives.
 * </ul>
 */
public enum QuantType {
  NF4(
      new float[] {
        -1.0f,
        -0.6961928009986877f,
        -0.5250730514526367f,
        -0.39491748809814453f,
        -0.28444138169288635f,
        -0.18477343022823334f,
        -0.09105003625154495f,
        0.0f,
        0.07958029955625534f,
        0.16093020141124725f,
        0.24611230194568634f,
        0.33791524171829224f,
        0.44070982933044434f,
        0.5626170039176941f,
        0.7229568362236023f,
        1.0f
      }),
  FP4(
      new float[] {
        0f,
        0.0052083333f,
        0.6666667f,
        1.0f,
        0.3333333f,
        0.5f,
        0.16666667f,
        0.25f,
        -0f,
        -0.0052083333f,
        -0.6666667f,
        -1.0f,
        -0.3333333f,
        -0.5f,
        -0.16666667f,
        -0.25f
      });

  private final float[] codes;

  QuantType(float[] codes) {
    this.codes = codes;
  }

  /** The 16 values a 4-bit code stands for, as fractions of the block absmax. */
  public float[] codes() {
    return codes.clone();
  }

  /** The code whose value is nearest to {@code x} (a fraction in [-1, 1]). */
  int nearest(float x) {
    int best = 0;
    float bestDist = Float.MAX_VALUE;
    for (int i = 0; i < codes.length; i++) {
      float d = Math.abs(codes[i] - x);
      if (d < bestDist) {
        bestDist = d;
        best = i;
      }
    }
    return best;
  }

  /**
   * The largest rounding error a value can have, as a fraction of its block's absmax: half the
   * widest gap between neighbouring code values.
   */
  public float maxRoundingError() {
    float[] sorted = codes.clone();
    java.util.Arrays.sort(sorted);
    float gap = 0;
    for (int i = 1; i < sorted.length; i++) {
      gap = Math.max(gap, sorted[i] - sorted[i - 1]);
    }
    return gap / 2;
  }

  /** Parses {@code nf4} or {@code fp4}. */
  public static QuantType parse(String s) {
    if ("nf4".equalsIgnoreCase(s)) {
      return NF4;
    }
    if ("fp4".equalsIgnoreCase(s)) {
      return FP4;
    }
    throw new IllegalArgumentException(
        "model.bnb_4bit_quant_type must be nf4 or fp4, got '" + s + "'");
  }
}
