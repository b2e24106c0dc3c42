package ai.fairl.generate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.fairl.model.KvCache;
import ai.fairl.model.Tokenizer;
import ai.fairl.model.TransformerModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Batched autoregressive generation with a KV cache. Prompts of different lengths are left-padded
 * (mask 0) so that every row's next token sits in the last column; position ids follow the mask, so
 * a padded row computes exactly what it would alone. Sampling runs on the host in double precision
 * from the fp32 logits of the last position.
 *
 * <p>Simplified: no beam search, no repetition penalty; finished rows keep being fed a pad token
 * until every row has finished (their outputs are not extended).
 */
public final class Generator {
  private final TransformerModel model;
  private final Tokenizer tokenizer;

  /**
   * @param tokenizer used for text prompts, texts, stop strings and streaming deltas; may be null
   *     when working with token ids only
   */
  public Generator(TransformerModel model, Tokenizer tokenizer) {
    if (model.config().isSequenceClassification()) {
      throw new IllegalArgumentException(
          "cannot generate with "
              + model.config().architecture()
              + ": it has a score head, not an LM head");
    }
    this.model = model;
    this.tokenizer = tokenizer;
  }

  /** Encodes text prompts (no special tokens added: chat templates include them) and generates. */
  public GenerationResult generateText(
      List<String> prompts, GenerationConfig cfg, TokenListener listener) {
    requireTokenizer("text prompts");
    long[][] ids = new long[prompts.size()][];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = tokenizer.encode(prompts.get(i), false);
    }
    return generate(ids, cfg, listener);
  }

  private void requireTokenizer(String what) {
    if (tokenizer == null) {
      throw new IllegalStateException(what + " need a tokenizer; construct the Generator with one");
    }
  }

  /**
   * Generates a continuation of every prompt.
   *
   * @param prompts token ids per row (each non-empty)
   * @param listener called after every generated token, or null
   */
  public GenerationResult generate(long[][] prompts, GenerationConfig cfg, TokenListener listener) {
    int b = prompts.length;
    if (b == 0) {
      throw new IllegalArgumentException("no prompts");
    }
    if (!cfg.stopStrings().isEmpty()) {
      requireTokenizer("stop strings");
    }
    int vocab = model.config().vocabSize();
    int maxLen = 0;
    for (int r = 0; r < b; r++) {
      if (prompts[r].length == 0) {
        throw new IllegalArgumentException(
            "prompt " + r + " is empty; give at least one token (e.g. bos)");
      }
      for (long t : prompts[r]) {
        if (t < 0 || t >= vocab) {
          throw new IllegalArgumentException(
              "prompt " + r + " has token id " + t + " outside the vocabulary [0, " + vocab + ")");
        }
      }
      maxLen = Math.max(maxLen, prompts[r].length);
    }
    Set<Long> stops = new HashSet<>(cfg.stopTokenIds());
    if (stops.isEmpty()) {
      model.config().eosTokenIds().forEach(i -> stops.add((long) i));
      if (tokenizer != null) {
        stops.addAll(tokenizer.eosTokenIds());
      }
    }
    long pad = padId();
    int total = maxLen + cfg.maxNewTokens();
    long[] ids = new long[b * maxLen];
    long[] mask = new long[b * total]; // (b, total), filled as we go
    for (int r = 0; r < b; r++) {
      int off = maxLen - prompts[r].length;
      Arrays.fill(ids, r * maxLen, r * maxLen + off, pad);
      System.arraycopy(prompts[r], 0, ids, r * maxLen + off, prompts[r].length);
      for (int j = off; j < maxLen; j++) {
        mask[r * total + j] = 1;
      }
    }
    List<List<Long>> out = new ArrayList<>();
    List<List<Float>> lps = new ArrayList<>();
    String[] texts = new String[b];
    GenerationResult.FinishReason[] reasons = new GenerationResult.FinishReason[b];
    SplittableRandom[] rngs = new SplittableRandom[b];
    for (int r = 0; r < b; r++) {
      out.add(new ArrayList<>());
      lps.add(new ArrayList<>());
      texts[r] = "";
      rngs[r] = new SplittableRandom(cfg.seed() * 0x9E3779B97F4A7C15L + r);
    }
    NDManager base = model.manager();
    try (NDManager gen = base.newSubManager();
        KvCache cache = model.newCache(gen)) {
      int cur = maxLen;
      long[] stepIds = ids;
      int stepLen = maxLen;
      int finished = 0;
      for (int step = 0; step < cfg.maxNewTokens() && finished < b; step++) {
        float[] logits; // (b, vocab)
        try (NDManager sm = gen.newSubManager()) {
          NDArray idArr = sm.create(stepIds, new Shape(b, stepLen));
          long[] m = new long[b * cur];
          for (int r = 0; r < b; r++) {
            System.arraycopy(mask, r * total, m, r * cur, cur);
          }
          NDArray maskArr = sm.create(m, new Shape(b, cur));
          NDArray posArr = null;
          if (stepLen == 1) {
            long[] pos = new long[b]; // real tokens before this one: what cumsum(mask) - 1 gives
            for (int r = 0; r < b; r++) {
              for (int j = 0; j < cur; j++) {
                pos[r] += mask[r * total + j];
              }
              pos[r] = Math.max(0, pos[r] - 1);
            }
            posArr = sm.create(pos, new Shape(b, 1));
          }
          NDArray lg =
              model.forward(idArr, maskArr, posArr, cache, false, 1).logits(); // (b, 1, vocab)
          logits = lg.toType(DataType.FLOAT32, false).toFloatArray();
        }
        long[] next = new long[b];
        for (int r = 0; r < b; r++) {
          if (reasons[r] != null) {
            next[r] = pad;
            continue;
          }
          float[] row = Arrays.copyOfRange(logits, r * vocab, (r + 1) * vocab);
          long tok = cfg.isGreedy() ? Samplers.argmax(row) : Samplers.sample(row, cfg, rngs[r]);
          next[r] = tok;
          out.get(r).add(tok);
          lps.get(r).add((float) Samplers.logSoftmaxAt(row, (int) tok));
          String delta = "";
          if (tokenizer != null) {
            String text = tokenizer.decode(toArray(out.get(r)), true);
            delta = text.startsWith(texts[r]) ? text.substring(texts[r].length()) : text;
            if (text.endsWith("\uFFFD")) {
              delta = ""; // an incomplete multi-byte character: wait for the next token
            } else {
              texts[r] = text;
            }
          }
          if (listener != null) {
            listener.onToken(r, tok, delta);
          }
          if (stops.contains(tok)) {
            reasons[r] = GenerationResult.FinishReason.STOP_TOKEN;
          } else if (!cfg.stopStrings().isEmpty()) {
            for (String s : cfg.stopStrings()) {
              if (texts[r].contains(s)) {
                reasons[r] = GenerationResult.FinishReason.STOP_STRING;
                break;
              }
            }
          }
          if (reasons[r] != null) {
            finished++;
          }
        }
        for (int r = 0; r < b; r++) {
          mask[r * total + cur] = 1;
        }
        cur++;
        stepIds = next;
        stepLen = 1;
      }
    }
    List<long[]> tokens = new ArrayList<>();
    List<float[]> logProbs = new ArrayList<>();
    List<String> outTexts = new ArrayList<>();
    List<GenerationResult.FinishReason> fr = new ArrayList<>();
    for (int r = 0; r < b; r++) {
      long[] t = toArray(out.get(r));
      tokens.add(t);
      float[] lp = new float[t.length];
      for (int i = 0; i < lp.length; i++) {
        lp[i] = lps.get(r).get(i);
      }
      logProbs.add(lp);
      String text = tokenizer == null ? "" : tokenizer.decode(t, true);
      if (reasons[r] == GenerationResult.FinishReason.STOP_STRING) {
        int cut = text.length();
        for (String s : cfg.stopStrings()) {
          int i = text.indexOf(s);
          if (i >= 0) {
            cut = Math.min(cut, i);
          }
        }
        text = text.substring(0, cut);
      }
      outTexts.add(text);
      fr.add(reasons[r] == null ? GenerationResult.FinishReason.LENGTH : reasons[r]);
    }
    return new GenerationResult(tokens, logProbs, outTexts, fr);
  }

  private long padId() {
    if (model.config().padTokenId() >= 0) {
      return model.config().padTokenId();
    }
    if (tokenizer != null
        && tokenizer.padTokenId() >= 0
        && tokenizer.padTokenId() < model.config().vocabSize()) {
      return tokenizer.padTokenId();
    }
    return 0;
  }

  private static long[] toArray(List<Long> l) {
    long[] a = new long[l.size()];
    for (int i = 0; i < a.length; i++) {
      a[i] = l.get(i);
    }
    return a;
  }
}
