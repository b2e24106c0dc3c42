package ai.fairl.data;

/**
 * Token ids of an example and which of them the loss covers.
 *
 * @param ids token ids
 * @param trained per id, whether it is a label
 */
public record TokenizedExample(long[] ids, boolean[] trained) {
  public TokenizedExample {
    if (ids.length != trained.length) {
      throw new IllegalArgumentException("ids and trained flags differ in length");
    }
  }

  public int length() {
    return ids.length;
  }

  /** Labelled tokens; position 0 never counts because nothing predicts it. */
  public int trainedCount() {
    int c = 0;
    for (int i = 1; i < trained.length; i++) {
      c += trained[i] ? 1 : 0;
    }
    return c;
  }

  /**
   * Tokenizes segment by segment, appends EOS where the example asks, and truncates to {@code
   * maxLength} keeping the start (TRL's {@code truncation_mode="keep_start"}).
   */
  public static TokenizedExample of(Example e, TokenEncoder tok, int maxLength) {
    long[] ids = new long[0];
    boolean[] trained = new boolean[0];
    for (Segment s : e.segments()) {
      long[] part = tok.encode(s.text());
      ids = concat(ids, part);
      boolean[] t = new boolean[trained.length + part.length];
      System.arraycopy(trained, 0, t, 0, trained.length);
      java.util.Arrays.fill(t, trained.length, t.length, s.trained());
      trained = t;
    }
    if (e.appendEos()) {
      ids = concat(ids, new long[] {tok.eosId()});
      boolean[] t = java.util.Arrays.copyOf(trained, trained.length + 1);
      // EOS is a label when the text before it was (whole-text and completion examples).
      t[t.length - 1] = trained.length > 0 && trained[trained.length - 1];
      trained = t;
    }
    if (maxLength > 0 && ids.length > maxLength) {
      ids = java.util.Arrays.copyOf(ids, maxLength);
      trained = java.util.Arrays.copyOf(trained, maxLength);
    }
    return new TokenizedExample(ids, trained);
  }

  private static long[] concat(long[] a, long[] b) {
    long[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
