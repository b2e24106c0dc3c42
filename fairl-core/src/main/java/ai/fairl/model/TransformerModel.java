package ai.fairl.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.fairl.engine.Scalars;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeSet;

/**
 * A Llama-family decoder (Llama 2/3, Qwen2, Qwen3, Mistral) with a causal-LM or a
 * sequence-classification head, on DJL NDArrays. Parameters carry their Hugging Face names, every
 * projection is a named {@link Linear}, attention and RMSNorm go through replaceable kernels, and
 * each decoder layer runs through a {@link LayerHook}.
 *
 * <p>Simplified against transformers: no dropout (these models have none), no MoE, no
 * attention-logit soft-capping; position ids default to {@code cumsum(mask) - 1} (what {@code
 * generate} uses) rather than {@code arange}, so left-padded rows see the same positions as
 * unpadded ones. The classification head reads the last token whose attention mask is 1
 * (transformers reads the last token that is not {@code pad_token_id}; the two agree for
 * left-padded batches).
 */
public final class TransformerModel implements AutoCloseable {
  private final TransformerConfig config;
  private final NDManager manager;
  private final DataType dtype;
  private final NDArray embed; // (vocab, hidden)
  private final List<DecoderLayer> layers;
  private final NDArray finalNorm; // (hidden)
  private final Linear head; // lm_head (untied) or score; null when tied
  private final Map<String, NDArray> parameters; // HF name -> tensor, in HF order
  private final Map<String, Linear> linears;
  private final Rotary rotary;
  private AttentionKernel attentionKernel = AttentionKernel.composite();
  private NormKernel normKernel = NormKernel.composite();
  private LayerHook layerHook = LayerHook.direct();
  private DataType computeType;
  private boolean fusedLayers;

  private TransformerModel(TransformerConfig config, NDManager manager, Map<String, NDArray> w) {
    this.config = config;
    this.manager = manager;
    this.dtype = w.get("model.embed_tokens.weight").getDataType();
    this.computeType = dtype;
    this.rotary = new Rotary(config);
    // on by default on a GPU with fairl-native (the same maths; see setFusedLayers)
    this.fusedLayers = manager.getDevice().isGpu() && TrainNatives.available();
    Map<String, NDArray> remaining = new LinkedHashMap<>(w);
    Map<String, NDArray> params = new LinkedHashMap<>();
    Map<String, Linear> lin = new LinkedHashMap<>();
    int h = config.hiddenSize();
    int qd = config.numHeads() * config.headDim();
    int kvd = config.numKvHeads() * config.headDim();
    this.embed = take(remaining, params, "model.embed_tokens.weight", config.vocabSize(), h);
    List<DecoderLayer> ls = new ArrayList<>();
    boolean oBias = config.attentionBias() && !config.modelType().equals("qwen2");
    for (int i = 0; i < config.numLayers(); i++) {
      String p = "model.layers." + i + ".";
      Linear q =
          linear(remaining, params, lin, p + "self_attn.q_proj", h, qd, config.attentionBias());
      Linear k =
          linear(remaining, params, lin, p + "self_attn.k_proj", h, kvd, config.attentionBias());
      Linear v =
          linear(remaining, params, lin, p + "self_attn.v_proj", h, kvd, config.attentionBias());
      Linear o = linear(remaining, params, lin, p + "self_attn.o_proj", qd, h, oBias);
      NDArray qn = null;
      NDArray kn = null;
      if (config.qkNorm()) {
        qn = take(remaining, params, p + "self_attn.q_norm.weight", config.headDim());
        kn = take(remaining, params, p + "self_attn.k_norm.weight", config.headDim());
      }
      Linear gate =
          linear(remaining, params, lin, p + "mlp.gate_proj", h, config.intermediateSize(), false);
      Linear up =
          linear(remaining, params, lin, p + "mlp.up_proj", h, config.intermediateSize(), false);
      Linear down =
          linear(remaining, params, lin, p + "mlp.down_proj", config.intermediateSize(), h, false);
      NDArray in = take(remaining, params, p + "input_layernorm.weight", h);
      NDArray post = take(remaining, params, p + "post_attention_layernorm.weight", h);
      ls.add(new DecoderLayer(i, q, k, v, o, gate, up, down, in, post, qn, kn));
    }
    this.layers = List.copyOf(ls);
    this.finalNorm = take(remaining, params, "model.norm.weight", h);
    if (config.isSequenceClassification()) {
      this.head = linear(remaining, params, lin, "score", h, config.numLabels(), false);
      remaining.remove("lm_head.weight");
    } else if (config.tieWordEmbeddings()) {
      this.head = null;
      NDArray dup = remaining.remove("lm_head.weight"); // a tied checkpoint may still store it
      if (dup != null) {
        dup.close();
      }
    } else {
      this.head = linear(remaining, params, lin, "lm_head", h, config.vocabSize(), false);
    }
    if (!remaining.isEmpty()) {
      throw new IllegalArgumentException(
          "checkpoint has tensors that a "
              + config.architecture()
              + " does not use: "
              + new TreeSet<>(remaining.keySet())
              + "; check that config.json matches the weights");
    }
    this.parameters = Collections.unmodifiableMap(params);
    this.linears = Collections.unmodifiableMap(lin);
  }

  private static NDArray take(
      Map<String, NDArray> w, Map<String, NDArray> params, String name, long... shape) {
    NDArray a = w.remove(name);
    if (a == null) {
      throw new IllegalArgumentException(
          "checkpoint lacks tensor '"
              + name
              + "' of shape "
              + new Shape(shape)
              + "; check that config.json matches the weights");
    }
    if (!a.getShape().equals(new Shape(shape))) {
      throw new IllegalArgumentException(
          "tensor '"
              + name
              + "' has shape "
              + a.getShape()
              + " but config.json implies "
              + new Shape(shape));
    }
    a.setName(name);
    params.put(name, a);
    return a;
  }

  private static Linear linear(
      Map<String, NDArray> w,
      Map<String, NDArray> params,
      Map<String, Linear> lin,
      String name,
      int in,
      int out,
      boolean bias) {
    NDArray weight = take(w, params, name + ".weight", out, in);
    NDArray b = bias ? take(w, params, name + ".bias", out) : null;
    Linear l = new Linear(name, new PlainWeightStore(weight), b, in, out);
    lin.put(name, l);
    return l;
  }

  // ---------------------------------------------------------------- creation

  /**
   * A model with seeded random weights, as transformers initialises them: normal(0,
   * initializer_range) for projections and embeddings, zero biases, unit norms. Each tensor draws
   * from its own stream derived from {@code seed} and its name, so the result does not depend on
   * creation order.
   *
   * @param parent the model's arrays live in a sub-manager of this one (and on its device)
   * @param dtype requested dtype; bf16 on a CPU without bf16 falls back to fp32 (see {@link
   *     Precision})
   */
  public static TransformerModel create(
      TransformerConfig config, NDManager parent, DataType dtype, long seed) {
    DataType dt = Precision.resolve(dtype, parent.getDevice());
    NDManager m = parent.newSubManager();
    try {
      Map<String, NDArray> w = new LinkedHashMap<>();
      for (Map.Entry<String, Shape> e : expectedShapes(config).entrySet()) {
        String name = e.getKey();
        Shape shape = e.getValue();
        float[] data = new float[Math.toIntExact(shape.size())];
        if (name.endsWith("norm.weight")) {
          java.util.Arrays.fill(data, 1f);
        } else if (!name.endsWith(".bias")) {
          SplittableRandom r = new SplittableRandom(seed * 0x9E3779B97F4A7C15L ^ name.hashCode());
          double std = config.initializerRange();
          for (int i = 0; i < data.length; i++) {
            data[i] = (float) (r.nextGaussian() * std);
          }
        }
        NDArray a = m.create(data, shape);
        w.put(name, dt == DataType.FLOAT32 ? a : castAndClose(a, dt));
      }
      return new TransformerModel(config, m, w);
    } catch (RuntimeException e) {
      m.close();
      throw e;
    }
  }

  private static NDArray castAndClose(NDArray a, DataType dt) {
    NDArray c = a.toType(dt, false);
    a.close();
    return c;
  }

  /**
   * Builds a model from named tensors (Hugging Face names), converting them to {@code dtype}. The
   * tensors are moved into the model's own manager.
   */
  public static TransformerModel fromTensors(
      TransformerConfig config, Map<String, NDArray> tensors, NDManager parent, DataType dtype) {
    DataType dt = Precision.resolve(dtype, parent.getDevice());
    NDManager m = parent.newSubManager();
    try {
      Map<String, NDArray> w = new LinkedHashMap<>();
      for (Map.Entry<String, NDArray> e : tensors.entrySet()) {
        NDArray a = e.getValue();
        if (a.getDataType() != dt) {
          a = castAndClose(a, dt);
        }
        if (!a.getDevice().equals(m.getDevice())) {
          NDArray moved = a.toDevice(m.getDevice(), false);
          a.close();
          a = moved;
        }
        a.attach(m);
        w.put(e.getKey(), a);
      }
      return new TransformerModel(config, m, w);
    } catch (RuntimeException e) {
      m.close();
      throw e;
    }
  }

  /**
   * A random-init model drawn on {@code parent}'s device by the engine's generator, seeded with
   * {@code seed}: {@link #create}'s distribution (weights normal(0, initializer_range) drawn in
   * fp32, norms 1, biases 0) in seconds, where create's host loop takes about ten per billion
   * parameters. One seed gives one model on every device of a kind. Each weight is cast to the
   * resolved dtype as it is drawn, so at most one fp32 weight exists besides the model.
   */
  public static TransformerModel random(
      TransformerConfig config, NDManager parent, DataType dtype, long seed) {
    DataType dt = Precision.resolve(dtype, parent.getDevice());
    ai.djl.engine.Engine.getInstance().setRandomSeed((int) seed);
    float std = (float) config.initializerRange();
    Map<String, NDArray> w = new LinkedHashMap<>();
    for (Map.Entry<String, Shape> e : expectedShapes(config).entrySet()) {
      String name = e.getKey();
      Shape shape = e.getValue(); // the parameter's shape
      NDArray a;
      if (name.endsWith("norm.weight")) {
        a = parent.ones(shape, dt);
      } else if (name.endsWith(".bias")) {
        a = parent.zeros(shape, dt);
      } else {
        a = parent.randomNormal(0f, std, shape, DataType.FLOAT32);
        if (dt != DataType.FLOAT32) {
          a = castAndClose(a, dt);
        }
      }
      w.put(name, a);
    }
    return fromTensors(config, w, parent, dt);
  }

  /** The tensor names and shapes this config needs, in Hugging Face order. */
  public static Map<String, Shape> expectedShapes(TransformerConfig c) {
    Map<String, Shape> s = new LinkedHashMap<>();
    long h = c.hiddenSize();
    long qd = (long) c.numHeads() * c.headDim();
    long kvd = (long) c.numKvHeads() * c.headDim();
    long im = c.intermediateSize();
    boolean oBias = c.attentionBias() && !c.modelType().equals("qwen2");
    s.put("model.embed_tokens.weight", new Shape(c.vocabSize(), h));
    for (int i = 0; i < c.numLayers(); i++) {
      String p = "model.layers." + i + ".";
      s.put(p + "self_attn.q_proj.weight", new Shape(qd, h));
      if (c.attentionBias()) {
        s.put(p + "self_attn.q_proj.bias", new Shape(qd));
      }
      s.put(p + "self_attn.k_proj.weight", new Shape(kvd, h));
      if (c.attentionBias()) {
        s.put(p + "self_attn.k_proj.bias", new Shape(kvd));
      }
      s.put(p + "self_attn.v_proj.weight", new Shape(kvd, h));
      if (c.attentionBias()) {
        s.put(p + "self_attn.v_proj.bias", new Shape(kvd));
      }
      s.put(p + "self_attn.o_proj.weight", new Shape(h, qd));
      if (oBias) {
        s.put(p + "self_attn.o_proj.bias", new Shape(h));
      }
      if (c.qkNorm()) {
        s.put(p + "self_attn.q_norm.weight", new Shape(c.headDim()));
        s.put(p + "self_attn.k_norm.weight", new Shape(c.headDim()));
      }
      s.put(p + "mlp.gate_proj.weight", new Shape(im, h));
      s.put(p + "mlp.up_proj.weight", new Shape(im, h));
      s.put(p + "mlp.down_proj.weight", new Shape(h, im));
      s.put(p + "input_layernorm.weight", new Shape(h));
      s.put(p + "post_attention_layernorm.weight", new Shape(h));
    }
    s.put("model.norm.weight", new Shape(h));
    if (c.isSequenceClassification()) {
      s.put("score.weight", new Shape(c.numLabels(), h));
    } else if (!c.tieWordEmbeddings()) {
      s.put("lm_head.weight", new Shape(c.vocabSize(), h));
    }
    return s;
  }

  /**
   * Loads a model directory: {@code config.json} plus {@code model.safetensors} or a sharded {@code
   * model.safetensors.index.json}.
   */
  public static TransformerModel load(Path dir, NDManager parent, DataType dtype) {
    TransformerConfig config = TransformerConfig.load(dir);
    DataType dt = Precision.resolve(dtype, parent.getDevice());
    try (NDManager staging = parent.newSubManager()) {
      Map<String, NDArray> tensors = Safetensors.loadModelDir(dir, staging);
      return fromTensors(config, tensors, parent, dt);
    }
  }

  /**
   * Loads a causal-LM checkpoint as a {@code *ForSequenceClassification} model (a reward or value
   * model): the backbone from the checkpoint, a new {@code score} head with {@code numLabels}
   * outputs initialised like {@link #create} (seeded), the LM head dropped. A checkpoint that is
   * already a sequence classifier loads as is.
   */
  public static TransformerModel loadForSequenceClassification(
      Path dir, int numLabels, NDManager parent, DataType dtype, long seed) {
    TransformerConfig base = TransformerConfig.load(dir);
    if (base.isSequenceClassification()) {
      return load(dir, parent, dtype);
    }
    String arch = base.architecture().replace("ForCausalLM", "ForSequenceClassification");
    TransformerConfig config = base.withArchitecture(arch, numLabels);
    DataType dt = Precision.resolve(dtype, parent.getDevice());
    try (NDManager staging = parent.newSubManager()) {
      Map<String, NDArray> tensors = new LinkedHashMap<>(Safetensors.loadModelDir(dir, staging));
      tensors.remove("lm_head.weight");
      float[] data = new float[numLabels * config.hiddenSize()];
      SplittableRandom r =
          new SplittableRandom(seed * 0x9E3779B97F4A7C15L ^ "score.weight".hashCode());
      for (int i = 0; i < data.length; i++) {
        data[i] = (float) (r.nextGaussian() * config.initializerRange());
      }
      tensors.put("score.weight", staging.create(data, new Shape(numLabels, config.hiddenSize())));
      return fromTensors(config, tensors, parent, dt);
    }
  }

  /**
   * Writes {@code config.json} and {@code model.safetensors} (sharded above {@code maxShardBytes};
   * pass 0 for one file) into {@code dir}: a directory transformers loads with {@code
   * from_pretrained}. Tied embeddings are stored once, as transformers does.
   */
  public void save(Path dir, long maxShardBytes) {
    try {
      Files.createDirectories(dir);
      Map<String, NDArray> now = parameters();
      if (now.size() != parameters.size()) {
        throw new IllegalStateException(
            "cannot save the full model: some projections hold quantised weights (QLoRA); save the"
                + " adapter instead, or merge into a model loaded without quantisation");
      }
      Safetensors.saveModelDir(dir, now, maxShardBytes);
      Path tmp = dir.resolve("config.json.tmp");
      Files.writeString(tmp, withDtype().toJson(), StandardCharsets.UTF_8);
      Files.move(
          tmp, dir.resolve("config.json"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot save the model to " + dir + ": " + e.getMessage(), e);
    }
  }

  /** Saves as one {@code model.safetensors}. */
  public void save(Path dir) {
    save(dir, 0);
  }

  private TransformerConfig withDtype() {
    String name =
        dtype == DataType.FLOAT16 ? "float16" : dtype == DataType.BFLOAT16 ? "bfloat16" : "float32";
    TransformerConfig c = config;
    return new TransformerConfig(
        c.architecture(),
        c.modelType(),
        c.vocabSize(),
        c.hiddenSize(),
        c.intermediateSize(),
        c.numLayers(),
        c.numHeads(),
        c.numKvHeads(),
        c.headDim(),
        c.ropeTheta(),
        c.ropeScaling(),
        c.rmsNormEps(),
        c.maxPositionEmbeddings(),
        c.tieWordEmbeddings(),
        c.attentionBias(),
        c.qkNorm(),
        c.slidingWindow(),
        c.numLabels(),
        c.initializerRange(),
        c.bosTokenId(),
        c.eosTokenIds(),
        c.padTokenId(),
        name);
  }

  // ---------------------------------------------------------------- forward

  /**
   * Runs the model.
   *
   * @param inputIds (batch, seq) int64
   * @param attentionMask (batch, past + seq), 1 for tokens and 0 for padding; null means all ones
   * @param positionIds (batch, seq) int64, or null for {@code cumsum(mask) - 1} (clamped at 0)
   * @param cache past keys and values, extended in place; null for none
   * @param training whether adapters apply train-time behaviour (dropout)
   */
  public ModelOutput forward(
      NDArray inputIds,
      NDArray attentionMask,
      NDArray positionIds,
      KvCache cache,
      boolean training) {
    return forward(inputIds, attentionMask, positionIds, cache, training, 0);
  }

  /**
   * As {@link #forward(NDArray, NDArray, NDArray, KvCache, boolean)}; {@code logitsToKeep > 0}
   * computes LM logits only for the last that many positions (generation needs one).
   */
  public ModelOutput forward(
      NDArray inputIds,
      NDArray attentionMask,
      NDArray positionIds,
      KvCache cache,
      boolean training,
      int logitsToKeep) {
    NDManager m = inputIds.getManager();
    Shape is = inputIds.getShape();
    if (is.dimension() != 2) {
      throw new IllegalArgumentException("inputIds must be (batch, seq), got " + is);
    }
    long b = is.get(0);
    long s = is.get(1);
    int past = cache == null ? 0 : cache.length();
    long total = past + s;
    NDArray mask = attentionMask;
    if (mask == null) {
      mask = m.ones(new Shape(b, total), DataType.INT64);
    } else if (!mask.getShape().equals(new Shape(b, total))) {
      throw new IllegalArgumentException(
          "attentionMask must be (batch, past + seq) = ("
              + b
              + ", "
              + total
              + "), got "
              + mask.getShape());
    }
    NDArray mask64 = mask.toType(DataType.INT64, false);
    NDArray pos = positionIds;
    if (pos == null) {
      NDArray cum = Scalars.maximum(mask64.cumSum(1).sub(1), 0); // (batch, total)
      pos = cum.get(":, " + past + ":");
    }
    // (batch, seq, hidden); the lookup runs on the weight's manager, so re-home it to the caller's
    NDArray h = embed.get(inputIds.toType(DataType.INT64, false).flatten());
    h.attach(m);
    h = h.reshape(b, s, config.hiddenSize());
    if (h.getDataType() != computeType) {
      h = h.toType(computeType, false); // mixed precision: fp32 master weights, bf16/fp16 compute
    }
    NDArray[] cs = rotary.cosSin(pos.toType(DataType.INT64, false));
    if (computeType != DataType.FLOAT32) {
      // rotary runs in the compute dtype (as transformers casts cos/sin): cast once, not per layer
      cs = new NDArray[] {cs[0].toType(computeType, false), cs[1].toType(computeType, false)};
    }
    AttentionMask am = buildMask(m, mask64, b, s, past);
    // the fused layer's key mask: none when every token is real (no mask given), else (b, 1, 1, s)
    NDArray keyMask =
        fusedLayers && cache == null && attentionMask != null
            ? mask64.reshape(b, 1, 1, total).gt(0)
            : null;
    for (DecoderLayer layer : layers) {
      final NDArray[] cosSin = cs;
      h =
          layerHook.run(
              layer.index,
              h,
              x -> layer.forward(x, this, cosSin[0], cosSin[1], am, keyMask, cache, training),
              training);
    }
    NDArray hidden =
        normKernel.rmsNorm(h, like(finalNorm, h), (float) config.rmsNormEps()); // (b, s, hidden)
    if (config.isSequenceClassification()) {
      // last position whose mask is 1: argmax of index * mask over the current window
      NDArray cur = mask64.get(":, " + past + ":"); // (b, s)
      NDArray idx = m.arange(0, (int) s, 1, DataType.INT64).expandDims(0).mul(cur).argMax(1); // (b)
      NDArray onehot = idx.oneHot((int) s, hidden.getDataType()).expandDims(1); // (b, 1, s)
      NDArray pooled = onehot.matMul(hidden).squeeze(1); // (b, hidden)
      NDArray logits =
          head.forward(pooled, training).toType(DataType.FLOAT32, false); // (b, labels)
      return new ModelOutput(logits, hidden);
    }
    NDArray x = hidden;
    if (logitsToKeep > 0 && logitsToKeep < s) {
      x = hidden.get(":, " + (s - logitsToKeep) + ":, :");
    }
    NDArray logits; // (b, kept, vocab)
    if (head == null) {
      logits = ai.djl.nn.core.Linear.linear(x, like(embed, x), null).singletonOrThrow();
    } else {
      logits = head.forward(x, training);
    }
    return new ModelOutput(logits.toType(DataType.FLOAT32, false), hidden);
  }

  /**
   * {@code w} in {@code x}'s dtype: itself, or a cast owned by {@code x}'s manager (the step), so
   * that gradients still reach the fp32 master and nothing accumulates on the model.
   */
  static NDArray like(NDArray w, NDArray x) {
    if (w.getDataType() == x.getDataType()) {
      return w;
    }
    NDArray c = w.toType(x.getDataType(), false);
    c.attach(x.getManager());
    return c;
  }

  private AttentionMask buildMask(NDManager m, NDArray mask64, long b, long s, int past) {
    long total = past + s;
    if (s == 1 && (config.slidingWindow() <= 0 || total <= config.slidingWindow())) {
      // one new token (a decode step) sees every unpadded key: only the padding mask matters
      NDArray additive =
          Scalars.mul(mask64.toType(DataType.FLOAT32, false).sub(1f), 1e30f)
              .reshape(b, 1, 1, total);
      return new AttentionMask(additive, mask64, past, config.slidingWindow());
    }
    NDArray keyPos = m.arange(0, (int) total, 1, DataType.INT64).reshape(1, 1, 1, total);
    NDArray qPos = m.arange(past, (int) total, 1, DataType.INT64).reshape(1, 1, s, 1);
    NDArray allowed = keyPos.lte(qPos); // (1, 1, s, total)
    if (config.slidingWindow() > 0) {
      allowed = allowed.logicalAnd(qPos.sub(keyPos).lt(config.slidingWindow()));
    }
    NDArray pad = mask64.reshape(b, 1, 1, total).gt(0);
    allowed = allowed.logicalAnd(pad); // (b, 1, s, total)
    // 0 where allowed, -1e30 elsewhere; (b, 1, s, total)
    NDArray additive = Scalars.mul(allowed.toType(DataType.FLOAT32, false).sub(1f), 1e30f);
    return new AttentionMask(additive, mask64, past, config.slidingWindow());
  }

  /**
   * A static KV cache for {@link #decodeStatic}: {@code capacity} slots per row, in the compute
   * dtype, owned by a sub-manager of {@code manager} (on its device).
   */
  public StaticKvCache newStaticCache(NDManager manager, int batch, int capacity) {
    return new StaticKvCache(manager, config, computeType, batch, capacity, rotary.invFreq());
  }

  /**
   * One single-token decode step with static shapes and no host synchronisation, so that it can be
   * captured as a CUDA graph: the new token's key and value go into {@code cache} at {@code slot}
   * in place, attention reads every slot under {@code keyMask}, rotary angles come from {@code
   * positions}. Gives the same logits as {@link #forward} with a dynamic {@link KvCache} holding
   * the same keys (checked on the CPU within 1e-5). Sliding windows are the caller's business (fold
   * them into {@code keyMask}). Nothing is created from host memory.
   *
   * @param step owns every array this step creates (results of ops on the cache are re-homed)
   * @param ids (batch, 1) int64 token ids
   * @param positions (batch, 1) int64 rotary positions (real tokens before each one)
   * @param keyMask (batch, capacity) boolean: the slots each row's new token may attend to, its own
   *     slot included
   * @param slot (1) int64: the slot this token's key and value go to
   * @return (batch, vocab) fp32 logits
   */
  public NDArray decodeStatic(
      NDManager step,
      NDArray ids,
      NDArray positions,
      NDArray keyMask,
      NDArray slot,
      StaticKvCache cache) {
    if (config.isSequenceClassification()) {
      throw new IllegalStateException("decodeStatic needs an LM head, not a score head");
    }
    long b = ids.getShape().get(0);
    if (!ids.getShape().equals(new Shape(b, 1)) || b != cache.batch()) {
      throw new IllegalArgumentException(
          "decodeStatic: ids must be (" + cache.batch() + ", 1), got " + ids.getShape());
    }
    if (!keyMask.getShape().equals(new Shape(b, cache.capacity()))) {
      throw new IllegalArgumentException(
          "decodeStatic: keyMask must be (batch, capacity) = ("
              + b
              + ", "
              + cache.capacity()
              + "), got "
              + keyMask.getShape());
    }
    NDArray flat = ids.reshape(b); // a view; re-homed so that it dies with the step
    flat.attach(step);
    NDArray h = embed.get(flat); // (b, hidden), on the weight's manager
    h.attach(step);
    h = h.reshape(b, 1, config.hiddenSize());
    if (h.getDataType() != computeType) {
      h = h.toType(computeType, false);
    }
    NDArray pos = positions;
    if (pos.getManager() != step) {
      pos = positions.reshape(b, 1);
      pos.attach(step);
    }
    NDArray[] cs = Rotary.cosSin(pos, cache.invFreq()); // (b, 1, 1, head_dim) each
    NDArray keys64 = keyMask.toType(DataType.INT64, false);
    if (keys64 == keyMask) {
      keys64 = keyMask.reshape(b, cache.capacity());
    }
    keys64.attach(step);
    NDArray allowed = keys64.toType(DataType.FLOAT32, false); // (b, capacity), 1 or 0
    NDArray additive =
        Scalars.mul(allowed.sub(Scalars.of(allowed, 1)), 1e30f)
            .reshape(b, 1, 1, cache.capacity()); // 0 where allowed, -1e30 elsewhere
    AttentionMask am = new AttentionMask(additive, keys64, cache.capacity() - 1, 0);
    for (DecoderLayer layer : layers) {
      h = layer.forwardStatic(h, this, cs[0], cs[1], am, cache, slot);
    }
    NDArray hidden = normKernel.rmsNorm(h, like(finalNorm, h), (float) config.rmsNormEps());
    NDArray logits; // (b, 1, vocab)
    if (head == null) {
      logits = ai.djl.nn.core.Linear.linear(hidden, like(embed, hidden), null).singletonOrThrow();
    } else {
      logits = head.forward(hidden, false);
    }
    return logits.toType(DataType.FLOAT32, false).reshape(b, config.vocabSize());
  }

  /** A fresh KV cache for this model, owned by {@code manager}'s sub-manager. */
  public KvCache newCache(NDManager manager) {
    return new KvCache(manager, config.numLayers());
  }

  // ---------------------------------------------------------------- accessors

  public TransformerConfig config() {
    return config;
  }

  /** The compute dtype of the weights. */
  public DataType dtype() {
    return dtype;
  }

  /**
   * The dtype the forward computes in: the weights' dtype unless {@link #setComputeType} set one.
   */
  public DataType computeType() {
    return computeType;
  }

  /**
   * Mixed precision: the forward computes in {@code type} (activations, and per-forward casts of
   * the weights) while the weights themselves, the trainable masters, keep their dtype; gradients
   * flow back through the casts into them. Logits come out in fp32 as always.
   *
   * @throws IllegalArgumentException for a type other than float32, float16, bfloat16
   * @throws IllegalStateException for bf16 on a CPU engine that cannot run it (stock DJL)
   */
  public void setComputeType(DataType type) {
    if (type != DataType.FLOAT32 && type != DataType.FLOAT16 && type != DataType.BFLOAT16) {
      throw new IllegalArgumentException(
          "compute dtype must be float32, float16 or bfloat16, got " + type);
    }
    ai.fairl.engine.PrecisionGuard.checkCreate(type, device());
    this.computeType = type;
  }

  public Device device() {
    return manager.getDevice();
  }

  /** The manager that owns the weights. */
  public NDManager manager() {
    return manager;
  }

  /**
   * Base parameters by Hugging Face name, in checkpoint order, as they are now: a projection whose
   * weight store was replaced by a plain one lists the new weight, one with a quantised store (NF4,
   * int8) is left out (its weight is not a trainable dense tensor).
   */
  public Map<String, NDArray> parameters() {
    Map<String, NDArray> out = new LinkedHashMap<>();
    for (Map.Entry<String, NDArray> e : parameters.entrySet()) {
      String name = e.getKey();
      Linear l =
          name.endsWith(".weight") ? linears.get(name.substring(0, name.length() - 7)) : null;
      if (l == null) {
        out.put(name, e.getValue());
      } else if (l.weightStore() instanceof PlainWeightStore p) {
        out.put(name, p.weight());
      }
    }
    return Collections.unmodifiableMap(out);
  }

  /** Every projection by module path (for LoRA injection), in checkpoint order. */
  public Map<String, Linear> linears() {
    return linears;
  }

  /** Adapter tensors of every projection, named {@code <module>.<suffix>}. */
  public Map<String, NDArray> adapterParameters() {
    Map<String, NDArray> out = new LinkedHashMap<>();
    linears.values().forEach(l -> out.putAll(l.adapterParameters()));
    return out;
  }

  /** Sets requires-grad on every base parameter (false freezes the model, e.g. for LoRA). */
  public void setRequiresGrad(boolean requires) {
    parameters().values().forEach(p -> p.setRequiresGradient(requires));
  }

  /** Enables or disables every adapter at once; disabled gives the reference model. */
  public void setAdaptersEnabled(boolean enabled) {
    linears.values().forEach(l -> l.setAdaptersEnabled(enabled));
  }

  public AttentionKernel attentionKernel() {
    return attentionKernel;
  }

  public void setAttentionKernel(AttentionKernel kernel) {
    this.attentionKernel = java.util.Objects.requireNonNull(kernel);
  }

  public NormKernel normKernel() {
    return normKernel;
  }

  public void setNormKernel(NormKernel kernel) {
    this.normKernel = java.util.Objects.requireNonNull(kernel);
  }

  public LayerHook layerHook() {
    return layerHook;
  }

  /**
   * Runs each decoder layer as one fairl-native call (fairl-native/src/train.cc) where it can: no
   * KV cache, no sliding window, no active adapters; other layers and calls keep the DJL path. Same
   * maths as the DJL path (SiLU in one kernel; attention through PyTorch's SDPA, causal, with the
   * key mask when an attention mask is given). Fewer JNI calls per step, and the layer's
   * intermediates are freed as soon as autograd no longer needs them.
   *
   * <p>On by default for a model on a GPU when fairl-native has the natives; off on a CPU.
   *
   * @return whether the fused path is on (false without fairl-native's training natives)
   */
  public boolean setFusedLayers(boolean on) {
    fusedLayers = on && TrainNatives.available();
    return fusedLayers;
  }

  public boolean fusedLayers() {
    return fusedLayers;
  }

  /** Installs the per-layer hook (gradient checkpointing, timing). */
  public void setLayerHook(LayerHook hook) {
    this.layerHook = java.util.Objects.requireNonNull(hook);
  }

  public int numLayers() {
    return layers.size();
  }

  @Override
  public void close() {
    manager.close();
  }
}
