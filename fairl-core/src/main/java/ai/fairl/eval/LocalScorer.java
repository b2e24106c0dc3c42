/*
 * Per-choice log-likelihoods from a local model, as lm-evaluation-harness's HFLM loglikelihood:
 * the context and each continuation are encoded together, the continuation's tokens are those past
 * the context's encoding, and its log-likelihood is the sum of their log-probabilities. No BOS is
 * added, as the harness by default (add_bos_token=False). Questions are batched: each becomes one
 * row over the shared tokens when its continuations differ only in their last token (" A" .. " D":
 * the distribution at the last position scores them all), else one row per continuation; rows are
 * left-padded into one forward pass, the LM head runs only over the positions scored, and only the
 * log-probabilities needed leave the device.
 * Simplified: sequences longer than max_position_embeddings are cut from the left.
 */
package ai.fairl.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.fairl.infer.LocalGenerator;
import ai.fairl.model.Tokenizer;
import ai.fairl.model.TransformerModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Scores continuations with a local model. */
public final class LocalScorer implements ChoiceScorer {
  private final LocalGenerator local;
  private final int batchSize;

  private LocalScorer(LocalGenerator local, int batchSize) {
    this.local = local;
    this.batchSize = batchSize;
  }

  /** Opens a model directory, PEFT adapter folder, Hub id or {@code tiny:<family>}. */
  public static LocalScorer open(String ref, long seed) {
    return open(ref, seed, 8);
  }

  /** As {@link #open(String, long)}, scoring {@code batchSize} questions per forward pass. */
  public static LocalScorer open(String ref, long seed, int batchSize) {
    return new LocalScorer(LocalGenerator.open(ref, 1, seed), batchSize);
  }

  @Override
  public String name() {
    return local.name();
  }

  @Override
  public int batchSize() {
    return batchSize;
  }

  @Override
  public double[] logLikelihoods(String context, List<String> continuations) {
    return logLikelihoods(List.of(context), List.of(continuations)).get(0);
  }

  /** One forward row: its tokens, where scoring starts, and the candidates at its end (or null). */
  private record Row(long[] ids, int from, long[] lastCandidates) {}

  @Override
  public List<double[]> logLikelihoods(List<String> contexts, List<List<String>> continuations) {
    Tokenizer tok = local.tokenizer();
    int limit = local.model().config().maxPositionEmbeddings();
    List<Row> rows = new ArrayList<>();
    List<int[]> rowsOf = new ArrayList<>(); // per question: first row, row count
    for (int q = 0; q < contexts.size(); q++) {
      String context = contexts.get(q);
      List<String> conts = continuations.get(q);
      long[] ctx = tok.encode(context, false);
      long[][] seqs = new long[conts.size()][];
      int[] from = new int[conts.size()];
      for (int i = 0; i < seqs.length; i++) {
        long[] whole = tok.encode(context + conts.get(i), false);
        int shared = 0;
        while (shared < Math.min(ctx.length, whole.length) && ctx[shared] == whole[shared]) {
          shared++;
        }
        shared = Math.max(1, Math.min(shared, whole.length - 1)); // >= 1 scored token
        if (whole.length > limit) {
          int cut = whole.length - limit;
          whole = Arrays.copyOfRange(whole, cut, whole.length);
          shared = Math.max(1, shared - cut);
        }
        seqs[i] = whole;
        from[i] = shared;
      }
      int first = rows.size();
      if (oneTokenApart(seqs)) {
        int len = seqs[0].length;
        long[] cand = new long[seqs.length];
        for (int i = 0; i < seqs.length; i++) {
          cand[i] = seqs[i][len - 1];
        }
        // all from[i] agree here: the continuations share everything but their last token
        rows.add(new Row(Arrays.copyOf(seqs[0], len - 1), from[0], cand));
      } else {
        for (int i = 0; i < seqs.length; i++) {
          rows.add(new Row(seqs[i], from[i], null));
        }
      }
      rowsOf.add(new int[] {first, rows.size() - first});
    }
    double[][] rowScores = score(rows);
    List<double[]> out = new ArrayList<>();
    for (int q = 0; q < contexts.size(); q++) {
      int[] r = rowsOf.get(q);
      int n = continuations.get(q).size();
      double[] ll = new double[n];
      if (r[1] == 1 && rows.get(r[0]).lastCandidates() != null) {
        ll = rowScores[r[0]];
      } else {
        for (int i = 0; i < n; i++) {
          ll[i] = rowScores[r[0] + i][0];
        }
      }
      out.add(ll);
    }
    return out;
  }

  /**
   * Per row: the summed log-probability of its tokens from {@code from} on; for a row with
   * candidates, that sum plus each candidate's log-probability at the end. Rows are left-padded so
   * that they all end at the last position, and the LM head runs only over the last positions that
   * some row scores (for MMLU's letters: one).
   */
  private double[][] score(List<Row> rows) {
    TransformerModel model = local.model();
    int n = rows.size();
    int maxLen = 0;
    int keep = 1; // positions from the end whose logits some row reads
    for (Row r : rows) {
      int len = r.ids().length;
      maxLen = Math.max(maxLen, len);
      keep = Math.max(keep, len - r.from() + 1); // token t is predicted at position t - 1
    }
    keep = Math.min(keep, maxLen);
    long[] ids = new long[n * maxLen];
    long[] mask = new long[n * maxLen];
    long[] next = new long[n * keep]; // the token each kept position predicts (0 where none)
    for (int i = 0; i < n; i++) {
      long[] s = rows.get(i).ids();
      int off = maxLen - s.length;
      System.arraycopy(s, 0, ids, i * maxLen + off, s.length);
      Arrays.fill(mask, i * maxLen + off, (i + 1) * maxLen, 1);
      // kept position k is padded position maxLen - keep + k, i.e. token index t = that - off
      for (int k = 0; k < keep; k++) {
        int t = maxLen - keep + k - off;
        if (t >= 0 && t + 1 < s.length) {
          next[i * keep + k] = s[t + 1];
        }
      }
    }
    double[][] out = new double[n][];
    try (NDManager m = model.manager().newSubManager()) {
      NDArray idArr = m.create(ids, new Shape(n, maxLen)); // (rows, seq)
      NDArray maskArr = m.create(mask, new Shape(n, maxLen)); // (rows, seq)
      NDArray logp =
          model
              .forward(idArr, maskArr, null, null, false, keep)
              .logits()
              .logSoftmax(-1); // (rows, keep, vocab)
      NDArray nextArr = m.create(next, new Shape(n, keep, 1)); // (rows, keep, 1)
      float[] picked =
          logp.gather(nextArr, -1).toType(DataType.FLOAT32, false).toFloatArray(); // (rows, keep)
      NDArray lastRow = logp.get(":, -1, :"); // (rows, vocab)
      for (int i = 0; i < n; i++) {
        Row r = rows.get(i);
        int len = r.ids().length;
        int off = maxLen - len;
        double sum = 0;
        // token t (from..len-1) is predicted at token position t-1, padded off+t-1, kept k
        for (int t = r.from(); t < len; t++) {
          sum += picked[i * keep + (off + t - 1) - (maxLen - keep)];
        }
        if (r.lastCandidates() == null) {
          out[i] = new double[] {sum};
        } else {
          float[] last = lastRow.get(i).toType(DataType.FLOAT32, false).toFloatArray(); // (vocab)
          double[] each = new double[r.lastCandidates().length];
          for (int c = 0; c < each.length; c++) {
            each[c] = sum + last[(int) r.lastCandidates()[c]];
          }
          out[i] = each;
        }
      }
    }
    return out;
  }

  private static boolean oneTokenApart(long[][] seqs) {
    int len = seqs[0].length;
    if (len < 2 || seqs.length < 2) {
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
