/*
 * Per-choice log-likelihoods from a local model, as lm-evaluation-harness's HFLM loglikelihood:
 * the context and each continuation are encoded together, the continuation's tokens are those past
 * the context's encoding, and its log-likelihood is the sum of their log-probabilities. The
 * continuations of one question run as one right-padded batch, or as one pass over the shared
 * tokens when they differ only in their last token (" A" .. " D"). No BOS is added, as the harness by
 * default (add_bos_token=False).
 * Simplified: contexts longer than the model's max_position_embeddings are cut from the left.
 */
package ai.fairl.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.fairl.infer.LocalGenerator;
import ai.fairl.model.Tokenizer;
import ai.fairl.model.TransformerModel;
import java.util.Arrays;
import java.util.List;

/** Scores continuations with a local model. */
public final class LocalScorer implements ChoiceScorer {
  private final LocalGenerator local;

  private LocalScorer(LocalGenerator local) {
    this.local = local;
  }

  /** Opens a model directory, PEFT adapter folder, Hub id or {@code tiny:<family>}. */
  public static LocalScorer open(String ref, long seed) {
    return new LocalScorer(LocalGenerator.open(ref, 1, seed));
  }

  @Override
  public String name() {
    return local.name();
  }

  @Override
  public double[] logLikelihoods(String context, List<String> continuations) {
    Tokenizer tok = local.tokenizer();
    TransformerModel model = local.model();
    long[] ctx = tok.encode(context, false);
    int n = continuations.size();
    long[][] seqs = new long[n][];
    int[] contStart = new int[n];
    int maxLen = 0;
    int limit = model.config().maxPositionEmbeddings();
    for (int i = 0; i < n; i++) {
      long[] whole = tok.encode(context + continuations.get(i), false);
      int shared = 0;
      while (shared < Math.min(ctx.length, whole.length) && ctx[shared] == whole[shared]) {
        shared++;
      }
      shared = Math.min(shared, whole.length - 1); // at least one continuation token
      if (whole.length > limit) {
        int cut = whole.length - limit;
        whole = Arrays.copyOfRange(whole, cut, whole.length);
        shared = Math.max(1, shared - cut);
      }
      seqs[i] = whole;
      contStart[i] = Math.max(1, shared);
      maxLen = Math.max(maxLen, whole.length);
    }
    long[] ids = new long[n * maxLen];
    long[] mask = new long[n * maxLen];
    for (int i = 0; i < n; i++) {
      System.arraycopy(seqs[i], 0, ids, i * maxLen, seqs[i].length);
      Arrays.fill(mask, i * maxLen, i * maxLen + seqs[i].length, 1);
    }
    double[] out = new double[n];
    if (oneTokenApart(seqs)) {
      // " A" .. " D": the sequences differ only in their last token, so one forward pass over the
      // shared part gives every continuation's log-likelihood (exactly what n passes would).
      int len = seqs[0].length;
      long[] shared = Arrays.copyOf(seqs[0], len - 1);
      try (NDManager m = model.manager().newSubManager()) {
        NDArray idArr = m.create(shared, new Shape(1, len - 1)); // (1, seq - 1)
        NDArray maskArr = m.ones(new Shape(1, len - 1), ai.djl.ndarray.types.DataType.INT64);
        NDArray logp = model.forward(idArr, maskArr, null, null, false).logits().logSoftmax(-1);
        for (int i = 0; i < n; i++) {
          double sum = 0;
          for (int t = contStart[i]; t < len; t++) {
            sum += logp.getFloat(0, t - 1, seqs[i][t]);
          }
          out[i] = sum;
        }
      }
      return out;
    }
    try (NDManager m = model.manager().newSubManager()) {
      NDArray idArr = m.create(ids, new Shape(n, maxLen)); // (choices, seq)
      NDArray maskArr = m.create(mask, new Shape(n, maxLen)); // (choices, seq)
      NDArray logits =
          model.forward(idArr, maskArr, null, null, false).logits(); // (choices, seq, vocab)
      NDArray logp = logits.logSoftmax(-1); // (choices, seq, vocab)
      for (int i = 0; i < n; i++) {
        double sum = 0;
        for (int t = contStart[i]; t < seqs[i].length; t++) {
          // the token at t is predicted at position t - 1
          sum += logp.getFloat(i, t - 1, seqs[i][t]);
        }
        out[i] = sum;
      }
    }
    return out;
  }

  private static boolean oneTokenApart(long[][] seqs) {
    int len = seqs[0].length;
    if (len < 2) {
      return false;
    }
    for (long[] s : seqs) {
      if (s.length != len || !Arrays.equals(s, 0, len - 1, seqs[0], 0, len - 1)) {
        return false;
      }
    }
    return true;
  }

  @Override
  public void close() {
    local.close();
  }
}
