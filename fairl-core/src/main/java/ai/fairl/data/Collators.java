package ai.fairl.data;

import ai.fairl.train.LogProbs;
import ai.fairl.train.PreferenceBatch;
import ai.fairl.train.TokenBatch;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Batches tokenized examples: right padding with the pad id, attention mask 1 on real tokens,
 * labels equal to the ids where the example trains and {@link LogProbs#IGNORE} elsewhere. Also
 * packing.
 */
public final class Collators {
  private Collators() {}

  /** A (rows, longest) batch. */
  public static TokenBatch tokens(List<TokenizedExample> rows, long padId) {
    int seq = Math.max(1, rows.stream().mapToInt(TokenizedExample::length).max().orElse(1));
    return fill(rows, seq, padId);
  }

  private static TokenBatch fill(List<TokenizedExample> rows, int seq, long padId) {
    int n = rows.size();
    long[] ids = new long[n * seq];
    long[] mask = new long[n * seq];
    long[] labels = new long[n * seq];
    Arrays.fill(ids, padId);
    Arrays.fill(labels, LogProbs.IGNORE);
    for (int r = 0; r < n; r++) {
      TokenizedExample e = rows.get(r);
      for (int t = 0; t < e.length(); t++) {
        ids[r * seq + t] = e.ids()[t];
        mask[r * seq + t] = 1;
        labels[r * seq + t] = e.trained()[t] ? e.ids()[t] : LogProbs.IGNORE;
      }
    }
    return new TokenBatch(n, seq, ids, mask, labels);
  }

  /** Chosen rows first, then rejected, all padded to the longest of either. */
  public static PreferenceBatch pairs(
      List<TokenizedExample> chosen, List<TokenizedExample> rejected, long padId) {
    if (chosen.size() != rejected.size()) {
      throw new IllegalArgumentException("chosen and rejected counts differ");
    }
    List<TokenizedExample> all = new ArrayList<>(chosen);
    all.addAll(rejected);
    return new PreferenceBatch(chosen.size(), tokens(all, padId), null, null);
  }

  /**
   * TRL's {@code wrapped} packing: concatenates all examples and cuts the stream into rows of
   * {@code maxLength} tokens. Attention crosses example boundaries (no position reset), as in TRL's
   * wrapped strategy; the labels keep each token's trained flag.
   */
  public static List<TokenizedExample> pack(List<TokenizedExample> examples, int maxLength) {
    if (maxLength < 2) {
      throw new IllegalArgumentException("data.max_length must be >= 2 for packing");
    }
    int total = examples.stream().mapToInt(TokenizedExample::length).sum();
    long[] ids = new long[total];
    boolean[] trained = new boolean[total];
    int at = 0;
    for (TokenizedExample e : examples) {
      System.arraycopy(e.ids(), 0, ids, at, e.length());
      System.arraycopy(e.trained(), 0, trained, at, e.length());
      at += e.length();
    }
    List<TokenizedExample> out = new ArrayList<>();
    for (int from = 0; from < total; from += maxLength) {
      int to = Math.min(total, from + maxLength);
      out.add(
          new TokenizedExample(
              Arrays.copyOfRange(ids, from, to), Arrays.copyOfRange(trained, from, to)));
    }
    return out;
  }
}
