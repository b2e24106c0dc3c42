package ai.fairl.model;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * A decoder-only transformer as described by a Hugging Face {@code config.json}.
 *
 * <p>Supported {@code architectures}: {@link #SUPPORTED}. Llama, Qwen2, Qwen3 and Mistral share one
 * block (pre-norm RMSNorm, rotary attention with grouped-query heads, SwiGLU MLP); the families
 * differ only in data: Qwen2 has q/k/v biases ({@code attentionBias}), Qwen3 normalises q and k per
 * head ({@code qkNorm}) and states {@code head_dim} explicitly, Mistral may limit attention to a
 * {@code slidingWindow} (Llama and Qwen ignore {@code sliding_window}; Qwen's {@code
 * use_sliding_window=true} is refused). Simplified: only the {@code rope_scaling} types {@code
 * default} and {@code llama3} are implemented; others are refused with a message.
 *
 * @param architecture the HF class name, e.g. {@code LlamaForCausalLM}
 * @param modelType the HF {@code model_type}, e.g. {@code llama}
 * @param vocabSize rows of the embedding
 * @param hiddenSize model width
 * @param intermediateSize MLP width
 * @param numLayers decoder layers
 * @param numHeads query heads
 * @param numKvHeads key/value heads (grouped-query attention when fewer than {@code numHeads})
 * @param headDim width of one head (may differ from hiddenSize/numHeads, as in Qwen3)
 * @param ropeTheta rotary base
 * @param ropeScaling llama3 rotary scaling, or null
 * @param rmsNormEps RMSNorm epsilon
 * @param maxPositionEmbeddings context length the model was trained for
 * @param tieWordEmbeddings whether the LM head reuses the embedding matrix
 * @param attentionBias q/k/v (and o for Llama when set) projections carry a bias
 * @param qkNorm Qwen3's per-head RMSNorm on q and k
 * @param slidingWindow Mistral's attention window, or 0 for full attention
 * @param numLabels outputs of the {@code score} head for {@code *ForSequenceClassification}, else 0
 * @param initializerRange standard deviation of the random initialisation
 * @param bosTokenId beginning-of-sequence id or -1
 * @param eosTokenIds end-of-sequence ids (may be empty)
 * @param padTokenId padding id or -1
 * @param torchDtype the checkpoint's {@code torch_dtype}/{@code dtype}, e.g. {@code bfloat16}
 */
public record TransformerConfig(
    String architecture,
    String modelType,
    int vocabSize,
    int hiddenSize,
    int intermediateSize,
    int numLayers,
    int numHeads,
    int numKvHeads,
    int headDim,
    double ropeTheta,
    RopeScaling ropeScaling,
    double rmsNormEps,
    int maxPositionEmbeddings,
    boolean tieWordEmbeddings,
    boolean attentionBias,
    boolean qkNorm,
    int slidingWindow,
    int numLabels,
    double initializerRange,
    int bosTokenId,
    List<Integer> eosTokenIds,
    int padTokenId,
    String torchDtype) {

  /** The {@code architectures} values this package can build. */
  public static final List<String> SUPPORTED =
      List.of(
          "LlamaForCausalLM",
          "Qwen2ForCausalLM",
          "Qwen3ForCausalLM",
          "MistralForCausalLM",
          "LlamaForSequenceClassification",
          "Qwen2ForSequenceClassification",
          "Qwen3ForSequenceClassification",
          "MistralForSequenceClassification");

  /**
   * Llama 3 rotary frequency scaling ({@code rope_scaling.rope_type == "llama3"}).
   *
   * @param factor the overall scaling factor
   * @param lowFreqFactor low-frequency factor
   * @param highFreqFactor high-frequency factor
   * @param originalMaxPositionEmbeddings the context length before scaling
   */
  public record RopeScaling(
      double factor,
      double lowFreqFactor,
      double highFreqFactor,
      int originalMaxPositionEmbeddings) {
    public RopeScaling {
      if (!(factor > 0) || !(lowFreqFactor > 0) || !(highFreqFactor > lowFreqFactor)) {
        throw new IllegalArgumentException(
            "rope_scaling (llama3) needs factor > 0 and high_freq_factor > low_freq_factor > 0, got"
                + " factor="
                + factor
                + ", low_freq_factor="
                + lowFreqFactor
                + ", high_freq_factor="
                + highFreqFactor);
      }
      if (originalMaxPositionEmbeddings <= 0) {
        throw new IllegalArgumentException(
            "rope_scaling.original_max_position_embeddings must be > 0, got "
                + originalMaxPositionEmbeddings);
      }
    }
  }

  public TransformerConfig {
    if (!SUPPORTED.contains(architecture)) {
      throw new IllegalArgumentException(
          "architectures: unsupported value '"
              + architecture
              + "'; supported: "
              + String.join(", ", SUPPORTED)
              + ". Convert the checkpoint to one of these or pick a supported model.");
    }
    positive("vocab_size", vocabSize);
    positive("hidden_size", hiddenSize);
    positive("intermediate_size", intermediateSize);
    positive("num_hidden_layers", numLayers);
    positive("num_attention_heads", numHeads);
    positive("num_key_value_heads", numKvHeads);
    positive("head_dim", headDim);
    if (numHeads % numKvHeads != 0) {
      throw new IllegalArgumentException(
          "num_attention_heads ("
              + numHeads
              + ") must be a multiple of num_key_value_heads ("
              + numKvHeads
              + ")");
    }
    if (headDim % 2 != 0) {
      throw new IllegalArgumentException(
          "head_dim must be even for rotary embeddings, got " + headDim);
    }
    if (!(ropeTheta > 0)) {
      throw new IllegalArgumentException("rope_theta must be > 0, got " + ropeTheta);
    }
    if (!(rmsNormEps > 0)) {
      throw new IllegalArgumentException("rms_norm_eps must be > 0, got " + rmsNormEps);
    }
    if (slidingWindow < 0) {
      throw new IllegalArgumentException(
          "sliding_window must be >= 0 or null, got " + slidingWindow);
    }
    if (architecture.endsWith("ForSequenceClassification") && numLabels <= 0) {
      throw new IllegalArgumentException(
          architecture + " needs num_labels >= 1 (or id2label), got " + numLabels);
    }
    eosTokenIds = List.copyOf(eosTokenIds);
    if (torchDtype == null) {
      torchDtype = "float32";
    }
  }

  private static void positive(String key, int v) {
    if (v <= 0) {
      throw new IllegalArgumentException(key + " must be > 0, got " + v);
    }
  }

  /** True for {@code *ForSequenceClassification}: the model ends in a {@code score} head. */
  public boolean isSequenceClassification() {
    return architecture.endsWith("ForSequenceClassification");
  }

  /** Returns a copy with another architecture (e.g. a causal LM turned into a reward model). */
  public TransformerConfig withArchitecture(String newArchitecture, int newNumLabels) {
    return copy(
        newArchitecture, newNumLabels, eosTokenIds, padTokenId, tieWordEmbeddings, slidingWindow);
  }

  /** Returns a copy with other end-of-sequence ids. */
  public TransformerConfig withEosTokenIds(List<Integer> ids) {
    return copy(architecture, numLabels, ids, padTokenId, tieWordEmbeddings, slidingWindow);
  }

  /** Returns a copy with another {@code pad_token_id}. */
  public TransformerConfig withPadTokenId(int newPad) {
    return copy(architecture, numLabels, eosTokenIds, newPad, tieWordEmbeddings, slidingWindow);
  }

  /** Returns a copy whose LM head is (or is not) the input embedding. */
  public TransformerConfig withTieWordEmbeddings(boolean tie) {
    return copy(architecture, numLabels, eosTokenIds, padTokenId, tie, slidingWindow);
  }

  /** Returns a copy with another sliding attention window ({@code <= 0}: none). */
  public TransformerConfig withSlidingWindow(int window) {
    return copy(architecture, numLabels, eosTokenIds, padTokenId, tieWordEmbeddings, window);
  }

  private TransformerConfig copy(
      String newArchitecture,
      int newNumLabels,
      List<Integer> newEos,
      int newPad,
      boolean newTie,
      int newWindow) {
    return new TransformerConfig(
        newArchitecture,
        modelType,
        vocabSize,
        hiddenSize,
        intermediateSize,
        numLayers,
        numHeads,
        numKvHeads,
        headDim,
        ropeTheta,
        ropeScaling,
        rmsNormEps,
        maxPositionEmbeddings,
        newTie,
        attentionBias,
        qkNorm,
        newWindow,
        newNumLabels,
        initializerRange,
        bosTokenId,
        newEos,
        newPad,
        torchDtype);
  }

  /** Number of parameters of the model this config describes (tied weights counted once). */
  public long parameterCount() {
    long h = hiddenSize;
    long q = (long) numHeads * headDim;
    long kv = (long) numKvHeads * headDim;
    long attn =
        h * q + 2 * h * kv + q * h + (attentionBias ? q + 2 * kv : 0) + (qkNorm ? 2L * headDim : 0);
    long mlp = 3 * h * intermediateSize;
    long layer = attn + mlp + 2 * h;
    long head =
        isSequenceClassification() ? h * numLabels : (tieWordEmbeddings ? 0 : h * vocabSize);
    return vocabSize * h + numLayers * layer + h + head;
  }

  // ---------------------------------------------------------------- config.json

  /** Reads {@code dir/config.json} (or the file itself when {@code path} is a file). */
  public static TransformerConfig load(Path path) {
    Path file = Files.isDirectory(path) ? path.resolve("config.json") : path;
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException(
          "no config.json at "
              + file
              + "; a model directory needs config.json next to its weights");
    }
    try {
      TransformerConfig c =
          fromJson(Files.readString(file, StandardCharsets.UTF_8), file.toString());
      Path gen = file.resolveSibling("generation_config.json");
      if (Files.isRegularFile(gen)) {
        // instruct models list their end-of-turn ids (e.g. Llama 3's <|eot_id|>) here
        JsonObject g =
            JsonParser.parseString(Files.readString(gen, StandardCharsets.UTF_8)).getAsJsonObject();
        java.util.LinkedHashSet<Integer> eos = new java.util.LinkedHashSet<>(c.eosTokenIds());
        eos.addAll(ids(g.get("eos_token_id")));
        if (eos.size() != c.eosTokenIds().size()) {
          c = c.withEosTokenIds(List.copyOf(eos));
        }
      }
      return c;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }

  /** Parses a config.json text; {@code where} names the source in error messages. */
  public static TransformerConfig fromJson(String json, String where) {
    JsonObject o;
    try {
      o = JsonParser.parseString(json).getAsJsonObject();
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(where + ": not a JSON object: " + e.getMessage(), e);
    }
    try {
      return fromJsonObject(o);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
    }
  }

  private static TransformerConfig fromJsonObject(JsonObject o) {
    if (!o.has("architectures")
        || !o.get("architectures").isJsonArray()
        || o.getAsJsonArray("architectures").isEmpty()) {
      throw new IllegalArgumentException(
          "missing key 'architectures' (e.g. [\"LlamaForCausalLM\"]); supported: "
              + String.join(", ", SUPPORTED));
    }
    String arch = o.getAsJsonArray("architectures").get(0).getAsString();
    if (!SUPPORTED.contains(arch)) {
      throw new IllegalArgumentException(
          "architectures: unsupported value '"
              + arch
              + "'; supported: "
              + String.join(", ", SUPPORTED));
    }
    String modelType = str(o, "model_type", arch.replaceAll("For.*", "").toLowerCase(Locale.ROOT));
    int hidden = req(o, "hidden_size");
    int heads = req(o, "num_attention_heads");
    int kvHeads = opt(o, "num_key_value_heads", heads);
    int headDim = opt(o, "head_dim", hidden / heads);
    boolean qwen3 = arch.startsWith("Qwen3");
    boolean qwen2 = arch.startsWith("Qwen2");
    boolean bias = qwen2 || bool(o, "attention_bias", false);
    if (arch.startsWith("Mistral") || arch.startsWith("Qwen")) {
      // Mistral and Qwen attention have no bias switch other than the family default.
      bias = qwen2 || (qwen3 && bool(o, "attention_bias", false));
    }
    int sliding = 0;
    if ((qwen2 || qwen3) && bool(o, "use_sliding_window", false)) {
      throw new IllegalArgumentException(
          "use_sliding_window=true is not supported for "
              + arch
              + " (transformers applies the window per layer from max_window_layers); the released"
              + " Qwen2/2.5/3 checkpoints set it to false");
    }
    if (arch.startsWith("Mistral")
        && o.has("sliding_window")
        && !o.get("sliding_window").isJsonNull()) {
      sliding = o.get("sliding_window").getAsInt();
    }
    RopeScaling scaling = null;
    JsonElement rs = o.get("rope_scaling");
    if (rs != null && rs.isJsonObject()) {
      JsonObject r = rs.getAsJsonObject();
      String type = str(r, "rope_type", str(r, "type", "default"));
      if ("llama3".equals(type)) {
        scaling =
            new RopeScaling(
                num(r, "factor", 8.0),
                num(r, "low_freq_factor", 1.0),
                num(r, "high_freq_factor", 4.0),
                opt(r, "original_max_position_embeddings", 8192));
      } else if (!"default".equals(type)) {
        throw new IllegalArgumentException(
            "rope_scaling.rope_type '" + type + "' is not supported; supported: default, llama3");
      }
    }
    // transformers 5 moves rope_theta into rope_parameters; accept both.
    double theta = num(o, "rope_theta", 10000.0);
    JsonElement rp = o.get("rope_parameters");
    if (rp != null && rp.isJsonObject()) {
      JsonObject r = rp.getAsJsonObject();
      theta = num(r, "rope_theta", theta);
      String type = str(r, "rope_type", "default");
      if ("llama3".equals(type) && scaling == null) {
        scaling =
            new RopeScaling(
                num(r, "factor", 8.0),
                num(r, "low_freq_factor", 1.0),
                num(r, "high_freq_factor", 4.0),
                opt(r, "original_max_position_embeddings", 8192));
      } else if (!"default".equals(type) && !"llama3".equals(type)) {
        throw new IllegalArgumentException(
            "rope_parameters.rope_type '"
                + type
                + "' is not supported; supported: default, llama3");
      }
    }
    int numLabels = 0;
    if (arch.endsWith("ForSequenceClassification")) {
      if (o.has("num_labels")) {
        numLabels = o.get("num_labels").getAsInt();
      } else if (o.has("id2label") && o.get("id2label").isJsonObject()) {
        numLabels = o.getAsJsonObject("id2label").size();
      } else {
        numLabels = 2;
      }
    }
    return new TransformerConfig(
        arch,
        modelType,
        req(o, "vocab_size"),
        hidden,
        req(o, "intermediate_size"),
        req(o, "num_hidden_layers"),
        heads,
        kvHeads,
        headDim,
        theta,
        scaling,
        num(o, "rms_norm_eps", 1e-6),
        opt(o, "max_position_embeddings", 2048),
        bool(o, "tie_word_embeddings", false),
        bias,
        qwen3,
        sliding,
        numLabels,
        num(o, "initializer_range", 0.02),
        opt(o, "bos_token_id", -1),
        ids(o.get("eos_token_id")),
        opt(o, "pad_token_id", -1),
        str(o, "torch_dtype", str(o, "dtype", "float32")));
  }

  private static List<Integer> ids(JsonElement e) {
    if (e == null || e.isJsonNull()) {
      return List.of();
    }
    if (e.isJsonArray()) {
      JsonArray a = e.getAsJsonArray();
      Integer[] out = new Integer[a.size()];
      for (int i = 0; i < out.length; i++) {
        out[i] = a.get(i).getAsInt();
      }
      return List.of(out);
    }
    return List.of(e.getAsInt());
  }

  private static int req(JsonObject o, String key) {
    JsonElement e = o.get(key);
    if (e == null || e.isJsonNull()) {
      throw new IllegalArgumentException("missing required key '" + key + "'");
    }
    try {
      return e.getAsInt();
    } catch (RuntimeException ex) {
      throw new IllegalArgumentException("key '" + key + "' must be an integer, got " + e);
    }
  }

  private static int opt(JsonObject o, String key, int dflt) {
    JsonElement e = o.get(key);
    return e == null || e.isJsonNull() ? dflt : e.getAsInt();
  }

  private static double num(JsonObject o, String key, double dflt) {
    JsonElement e = o.get(key);
    return e == null || e.isJsonNull() ? dflt : e.getAsDouble();
  }

  private static boolean bool(JsonObject o, String key, boolean dflt) {
    JsonElement e = o.get(key);
    return e == null || e.isJsonNull() ? dflt : e.getAsBoolean();
  }

  private static String str(JsonObject o, String key, String dflt) {
    JsonElement e = o.get(key);
    return e == null || e.isJsonNull() ? dflt : e.getAsString();
  }

  /** The config.json Hugging Face transformers reads back into the same model. */
  public String toJson() {
    JsonObject o = new JsonObject();
    JsonArray arch = new JsonArray();
    arch.add(architecture);
    o.add("architectures", arch);
    o.addProperty("model_type", modelType);
    o.addProperty("vocab_size", vocabSize);
    o.addProperty("hidden_size", hiddenSize);
    o.addProperty("intermediate_size", intermediateSize);
    o.addProperty("num_hidden_layers", numLayers);
    o.addProperty("num_attention_heads", numHeads);
    o.addProperty("num_key_value_heads", numKvHeads);
    if (!modelType.equals("qwen2") || headDim != hiddenSize / numHeads) {
      o.addProperty("head_dim", headDim); // Qwen2Config has no head_dim unless it differs
    }
    o.addProperty("hidden_act", "silu");
    o.addProperty("rope_theta", ropeTheta);
    if (ropeScaling != null) {
      JsonObject r = new JsonObject();
      r.addProperty("rope_type", "llama3");
      r.addProperty("factor", ropeScaling.factor());
      r.addProperty("low_freq_factor", ropeScaling.lowFreqFactor());
      r.addProperty("high_freq_factor", ropeScaling.highFreqFactor());
      r.addProperty(
          "original_max_position_embeddings", ropeScaling.originalMaxPositionEmbeddings());
      o.add("rope_scaling", r);
    }
    o.addProperty("rms_norm_eps", rmsNormEps);
    o.addProperty("max_position_embeddings", maxPositionEmbeddings);
    o.addProperty("tie_word_embeddings", tieWordEmbeddings);
    if (modelType.equals("llama") || modelType.equals("qwen3")) {
      o.addProperty("attention_bias", attentionBias);
    }
    if (slidingWindow > 0) {
      o.addProperty("sliding_window", slidingWindow);
    } else if (modelType.equals("mistral")) {
      o.add("sliding_window", null);
    }
    if (isSequenceClassification()) {
      o.addProperty("num_labels", numLabels);
      JsonObject id2label = new JsonObject();
      JsonObject label2id = new JsonObject();
      for (int i = 0; i < numLabels; i++) {
        id2label.addProperty(Integer.toString(i), "LABEL_" + i);
        label2id.addProperty("LABEL_" + i, i);
      }
      o.add("id2label", id2label);
      o.add("label2id", label2id);
    }
    o.addProperty("initializer_range", initializerRange);
    if (bosTokenId >= 0) {
      o.addProperty("bos_token_id", bosTokenId);
    }
    if (eosTokenIds.size() == 1) {
      o.addProperty("eos_token_id", eosTokenIds.get(0));
    } else if (!eosTokenIds.isEmpty()) {
      JsonArray a = new JsonArray();
      eosTokenIds.forEach(a::add);
      o.add("eos_token_id", a);
    }
    if (padTokenId >= 0) {
      o.addProperty("pad_token_id", padTokenId);
    }
    o.addProperty("torch_dtype", torchDtype);
    o.addProperty("use_cache", true);
    Gson gson = new GsonBuilder().setPrettyPrinting().serializeNulls().create();
    return gson.toJson(o);
  }

  // ---------------------------------------------------------------- factories

  /**
   * A tiny config of one family for tests and CPU demos: hidden 64, 2 layers, 4 query heads over 2
   * key/value heads, vocabulary {@code vocabSize}.
   *
   * @param family one of {@code llama}, {@code qwen2}, {@code qwen3}, {@code mistral}
   */
  public static TransformerConfig tiny(String family, int vocabSize) {
    return tiny(family, vocabSize, 64, 2);
  }

  /** A tiny config with the given width and depth (4 query heads, 2 key/value heads). */
  public static TransformerConfig tiny(String family, int vocabSize, int hidden, int layers) {
    String f = family.toLowerCase(Locale.ROOT);
    int heads = 4;
    int headDim = hidden / heads;
    return switch (f) {
      case "llama" ->
          new TransformerConfig(
              "LlamaForCausalLM",
              "llama",
              vocabSize,
              hidden,
              hidden * 2,
              layers,
              heads,
              2,
              headDim,
              500000.0,
              new RopeScaling(8.0, 1.0, 4.0, 64),
              1e-5,
              1024,
              true,
              false,
              false,
              0,
              0,
              0.02,
              -1,
              List.of(),
              -1,
              "float32");
      case "qwen2" ->
          new TransformerConfig(
              "Qwen2ForCausalLM",
              "qwen2",
              vocabSize,
              hidden,
              hidden * 2,
              layers,
              heads,
              2,
              headDim,
              1000000.0,
              null,
              1e-6,
              1024,
              true,
              true,
              false,
              0,
              0,
              0.02,
              -1,
              List.of(),
              -1,
              "float32");
      case "qwen3" ->
          new TransformerConfig(
              "Qwen3ForCausalLM",
              "qwen3",
              vocabSize,
              hidden,
              hidden * 2,
              layers,
              heads,
              2,
              headDim * 2,
              1000000.0,
              null,
              1e-6,
              1024,
              true,
              false,
              true,
              0,
              0,
              0.02,
              -1,
              List.of(),
              -1,
              "float32");
      case "mistral" ->
          new TransformerConfig(
              "MistralForCausalLM",
              "mistral",
              vocabSize,
              hidden,
              hidden * 2,
              layers,
              heads,
              2,
              headDim,
              10000.0,
              null,
              1e-5,
              1024,
              false,
              false,
              false,
              0,
              0,
              0.02,
              -1,
              List.of(),
              -1,
              "float32");
      default ->
          throw new IllegalArgumentException(
              "unknown tiny model family '"
                  + family
                  + "'; use one of llama, qwen2, qwen3, mistral");
    };
  }

  /**
   * Real-size configs for GPU benchmarks (architecture only; weights are random unless loaded).
   *
   * @param name one of {@code Qwen2.5-0.5B}, {@code Llama-3.2-1B}, {@code Llama-3.2-3B}, {@code
   *     Llama-3-8B}
   */
  public static TransformerConfig named(String name) {
    return switch (name) {
      case "Qwen2.5-0.5B" ->
          new TransformerConfig(
              "Qwen2ForCausalLM",
              "qwen2",
              151936,
              896,
              4864,
              24,
              14,
              2,
              64,
              1000000.0,
              null,
              1e-6,
              32768,
              true,
              true,
              false,
              0,
              0,
              0.02,
              151643,
              List.of(151643),
              -1,
              "bfloat16");
      case "Llama-3.2-1B" ->
          new TransformerConfig(
              "LlamaForCausalLM",
              "llama",
              128256,
              2048,
              8192,
              16,
              32,
              8,
              64,
              500000.0,
              new RopeScaling(32.0, 1.0, 4.0, 8192),
              1e-5,
              131072,
              true,
              false,
              false,
              0,
              0,
              0.02,
              128000,
              List.of(128001, 128008, 128009),
              -1,
              "bfloat16");
      case "Llama-3.2-3B" ->
          new TransformerConfig(
              "LlamaForCausalLM",
              "llama",
              128256,
              3072,
              8192,
              28,
              24,
              8,
              128,
              500000.0,
              new RopeScaling(32.0, 1.0, 4.0, 8192),
              1e-5,
              131072,
              true,
              false,
              false,
              0,
              0,
              0.02,
              128000,
              List.of(128001, 128008, 128009),
              -1,
              "bfloat16");
      case "Llama-3-8B" ->
          new TransformerConfig(
              "LlamaForCausalLM",
              "llama",
              128256,
              4096,
              14336,
              32,
              32,
              8,
              128,
              500000.0,
              null,
              1e-5,
              8192,
              false,
              false,
              false,
              0,
              0,
              0.02,
              128000,
              List.of(128001),
              -1,
              "bfloat16");
      default ->
          throw new IllegalArgumentException(
              "unknown model config '"
                  + name
                  + "'; known: Qwen2.5-0.5B, Llama-3.2-1B, Llama-3.2-3B, Llama-3-8B");
    };
  }
}
