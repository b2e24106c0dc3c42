package ai.fairl.generate;

import java.util.SplittableRandom;

/**
 * Host-side token choice from one row of fp32 logits, in double precision: what {@link Generator}
 * did before token choice moved to the device ({@link DeviceSampler}); kept as the reference the
 * device sampler's tests compare with.
 */
final class Samplers {
  private Samplers() {}

  /** First index of the maximum (as torch.argmax). */
  static long argmax(float[] logits) {
    int best = 0;
    for (int i = 1; i < logits.length; i++) {
      if (logits[i] > logits[best]) {
        best = i;
      }
    }
    return best;
  }

  /** {@code log_softmax(logits)[index]}, computed in double. */
  static double logSoftmaxAt(float[] logits, int index) {
    double max = Double.NEGATIVE_INFINITY;
    for (float v : logits) {
      max = Math.max(max, v);
    }
    double sum = 0;
    for (float v : logits) {
      sum += Math.exp(v - max);
    }
    return logits[index] - max - Math.log(sum);
  }

  /**
   * Temperature, then top-k, then top-p, then one draw. Without top-k and top-p the draw is from
   * the full softmax in vocabulary order; otherwise candidates are ordered by descending logit
   * (ties by lower id). Tokens whose logit is more than {@code 40 * temperature} below the maximum
   * carry less than e^-40 of the mass each and are left out of the ordering (an approximation that
   * keeps sorting cheap for 150k-token vocabularies; it cannot change a draw by more than V * e^-40
   * of probability).
   */
  static long sample(float[] logits, GenerationConfig cfg, SplittableRandom rng) {
    int n = logits.length;
    double t = cfg.temperature();
    float maxLogit = Float.NEGATIVE_INFINITY;
    for (float v : logits) {
      maxLogit = Math.max(maxLogit, v);
    }
    if (cfg.topK() == 0 && cfg.topP() >= 1.0) {
      double sum = 0;
      double[] p = new double[n];
      for (int i = 0; i < n; i++) {
        p[i] = Math.exp((logits[i] - maxLogit) / t);
        sum += p[i];
      }
      double u = rng.nextDouble() * sum;
      double acc = 0;
      for (int i = 0; i < n; i++) {
        acc += p[i];
        if (u < acc) {
          return i;
        }
      }
      return argmax(logits);
    }
    // candidates packed as (descending logit, ascending id) in one sortable long
    double floor = maxLogit - 40 * t;
    long[] packed = new long[n];
    int m = 0;
    for (int i = 0; i < n; i++) {
      if (logits[i] >= floor) {
        packed[m++] = ((long) descendingKey(logits[i]) << 32) | i;
      }
    }
    java.util.Arrays.sort(packed, 0, m);
    int keep = cfg.topK() > 0 ? Math.min(cfg.topK(), m) : m;
    int[] order = new int[keep];
    double[] p = new double[keep];
    double sum = 0;
    for (int i = 0; i < keep; i++) {
      order[i] = (int) (packed[i] & 0xFFFFFFFFL);
      p[i] = Math.exp((logits[order[i]] - maxLogit) / t);
      sum += p[i];
    }
    if (cfg.topP() < 1.0) {
      double cum = 0;
      int k = 0;
      while (k < keep) {
        cum += p[k] / sum;
        k++;
        if (cum >= cfg.topP()) {
          break;
        }
      }
      keep = k;
      sum = 0;
      for (int i = 0; i < keep; i++) {
        sum += p[i];
      }
    }
    double u = rng.nextDouble() * sum;
    double acc = 0;
    for (int i = 0; i < keep; i++) {
      acc += p[i];
      if (u < acc) {
        return order[i];
      }
    }
    return order[keep - 1];
  }

  /** An int that sorts ascending as the float sorts descending (NaN last). */
  private static int descendingKey(float f) {
    int bits = Float.floatToIntBits(f);
    int ascending = bits >= 0 ? bits ^ Integer.MIN_VALUE : ~bits; // unsigned-ascending order
    return ~ascending ^ Integer.MIN_VALUE; // flip to descending, as a signed int
  }
}
