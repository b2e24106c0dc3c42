package ai.fairl.generate;

import ai.fairl.engine.CudaGraph;
import ai.fairl.model.Tokenizer;
import ai.fairl.model.TransformerModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Batched autoregressive generation. Prompts of different lengths are left-padded (mask 0) so that
 * every row's next token sits in the same column; position ids follow the mask, so a padded row
 * computes exactly what it would alone. The prompt runs through the model once (prefill, dynamic KV
 * cache); then each token is one static-shape decode step ({@link DecodeSession}: a KV cache
 * preallocated to prompt + max_new_tokens, written in place at a slot held on the device) and the
 * token is chosen on the device ({@link DeviceSampler}: greedy, or temperature, top-k and top-p by
 * Gumbel-max); only the chosen ids and their log-probs cross to the host, where stop tokens, stop
 * strings and streaming are handled.
 *
 * <p>On a GPU with fairl-native built with CUDA the decode step is captured once as a CUDA graph
 * per (batch, capacity rounded up to 64, sampling settings, model tensors) and replayed per token;
 * the graph and its buffers are kept for the next call of the same shape (RL rollouts) until {@link
 * #close()}. Elsewhere (CPU, stock DJL, {@code -Dfairl.cudaGraphs=false} or {@link #setCudaGraphs
 * setCudaGraphs(false)}) the same step runs eagerly. A capture that fails is reported on stderr
 * once and generation continues without graphs.
 *
 * <p>Simplified: no beam search, no repetition penalty; finished rows keep being decoded until
 * every row has finished (their outputs are not extended).
 */
public final class Generator implements AutoCloseable {
  /** Graph capacities are rounded up to a multiple of this, so that calls share graphs. */
  static final int CAPACITY_STEP = 64;

  private final TransformerModel model;
  private final Tokenizer tokenizer;
  private boolean cudaGraphs = true;
  private boolean graphsFailed;
  private DecodeSession session_; // kept between calls (graphs only)
  private String lastPath = "";

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
    long[] ids = new long[b * maxLen];
    long[] mask = new long[b * maxLen]; // (b, maxLen): 1 for prompt tokens, 0 for left padding
    for (int r = 0; r < b; r++) {
      int off = maxLen - prompts[r].length;
      Arrays.fill(ids, r * maxLen, r * maxLen + off, pad);
      System.arraycopy(prompts[r], 0, ids, r * maxLen + off, prompts[r].length);
      for (int j = off; j < maxLen; j++) {
        mask[r * maxLen + j] = 1;
      }
    }
    List<List<Long>> out = new ArrayList<>();
    List<List<Float>> lps = new ArrayList<>();
    String[] texts = new String[b];
    GenerationResult.FinishReason[] reasons = new GenerationResult.FinishReason[b];
    for (int r = 0; r < b; r++) {
      out.add(new ArrayList<>());
      lps.add(new ArrayList<>());
      texts[r] = "";
    }
    int capacity = maxLen + cfg.maxNewTokens();
    boolean graphs = useGraphs();
    if (graphs) {
      capacity = (capacity + CAPACITY_STEP - 1) / CAPACITY_STEP * CAPACITY_STEP; // fewer shapes
    }
    DecodeSession.Key key = DecodeSession.key(model, b, capacity, cfg, graphs);
    DecodeSession session;
    if (session_ != null && session_.key.equals(key)) {
      session = session_;
    } else {
      closeSession();
      session = new DecodeSession(key, model, cfg, graphs);
      if (graphs) {
        session_ = session;
      }
    }
    boolean ok = false;
    try {
      lastPath = graphs ? "cuda-graph" : "static-eager";
      DecodeSession.Chosen chosen = session.prefill(ids, mask, maxLen, cfg.seed());
      int finished = 0;
      for (int step = 0; ; step++) {
        for (int r = 0; r < b; r++) {
          if (reasons[r] != null) {
            continue;
          }
          long tok = chosen.ids()[r];
          out.get(r).add(tok);
          lps.get(r).add(chosen.logProbs()[r]);
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
            for (String st : cfg.stopStrings()) {
              if (texts[r].contains(st)) {
                reasons[r] = GenerationResult.FinishReason.STOP_STRING;
                break;
              }
            }
          }
          if (reasons[r] != null) {
            finished++;
          }
        }
        if (step + 1 >= cfg.maxNewTokens() || finished >= b) {
          break;
        }
        chosen = session.next();
      }
      ok = true;
    } catch (RuntimeException e) {
      if (!graphs) {
        throw e;
      }
      // a capture that failed (an op that synchronises or reads host memory): say so once and
      // generate again without graphs
      closeSession();
      graphsFailed = true;
      System.err.println(
          "fairl generate: CUDA graph decoding failed ("
              + e.getMessage()
              + "); continuing without graphs");
      return generate(prompts, cfg, listener);
    } finally {
      if (!graphs || !ok) {
        if (session == session_) {
          session_ = null;
        }
        session.close();
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

  /**
   * Whether decoding may use CUDA graphs where they are available (default true). False runs the
   * same static-cache step eagerly.
   */
  public void setCudaGraphs(boolean enabled) {
    if (!enabled) {
      closeSession();
    }
    this.cudaGraphs = enabled;
  }

  /** "cuda-graph" or "static-eager": how the last {@link #generate} call decoded. */
  public String lastDecodePath() {
    return lastPath;
  }

  private boolean useGraphs() {
    return cudaGraphs && !graphsFailed && model.device().isGpu() && CudaGraph.available();
  }

  private void closeSession() {
    if (session_ != null) {
      DecodeSession s = session_;
      session_ = null;
      s.close();
    }
  }

  /** Releases a kept CUDA graph and its buffers (a later call captures again). */
  @Override
  public void close() {
    closeSession();
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
