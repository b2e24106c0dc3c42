package ai.fairl.generate;

import java.util.Arrays;
import java.util.SplittableRandom;

/** Host-side token choice from one row of fp32 logits. */
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

  /** Temperature, then top-k, then top-p, then one draw. */
  static long sample(float[] logits, GenerationConfig cfg, SplittableRandom rng) {
    int n = logits.length;
    Integer[] order = new Integer[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (a, b) -> Float.compare(logits[b], logits[a])); // descending, stable
    int keep = cfg.topK() > 0 ? Math.min(cfg.topK(), n) : n;
    double t = cfg.temperature();
    double max = logits[order[0]] / t;
    double[] p = new double[keep];
    double sum = 0;
    for (int i = 0; i < keep; i++) {
      p[i] = Math.exp(logits[order[i]] / t - max);
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
}
