/*
 * The work of each `fairl bench` row on our Java stack: ai.fairl.model's TransformerModel (random
 * init from the real-size configs), LoRA from ai.fairl.model.lora, generation through
 * ai.fairl.generate.Generator (static KV cache, token choice on the device, CUDA graphs where
 * fairl-native has them), the GRPO loss from ai.fairl.train.grpo, and ai.fairl.engine.FusedOps (SDPA,
 * RMSNorm, chunked chosen-token log-probs, fused AdamW, CUDA memory statistics).
 *
 * Simplified: the training rows run the optimizer step themselves (forward, chunked log-prob loss,
 * backward, FusedOps.adamw) on bf16 parameters, as the PyTorch baseline does (pure bf16 with fused
 * AdamW); TrainLoop keeps fp32 master weights, which is different work. The DPO loss is the sigmoid
 * loss of DpoObjective written on summed chosen-token log-probs; the GRPO "reward" is a fixed
 * pattern of advantages (no reward function runs), identical on both sides.
 */
package ai.fairl.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.training.GradientCollector;
import ai.fairl.engine.FusedOps;
import ai.fairl.engine.Scalars;
import ai.fairl.generate.GenerationConfig;
import ai.fairl.generate.GenerationResult;
import ai.fairl.generate.Generator;
import ai.fairl.model.ModelOutput;
import ai.fairl.model.TrainNatives;
import ai.fairl.model.TransformerConfig;
import ai.fairl.model.TransformerModel;
import ai.fairl.model.lora.FourBitWeightStore;
import ai.fairl.model.lora.LoraConfig;
import ai.fairl.model.lora.LoraModel;
import ai.fairl.model.lora.QuantType;
import ai.fairl.train.GradientCheckpointing;
import ai.fairl.train.LogProbs;
import ai.fairl.train.grpo.GrpoConfig;
import ai.fairl.train.grpo.GrpoLoss;
import ai.fairl.train.grpo.LossType;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Runs one benchmark row at a time and returns its numbers. */
final class BenchRows {
  static final double PEAK_TFLOPS = 989.4;
  static final List<String> ALL_LINEAR =
      List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj");

  private final NDManager root;
  private final FusedOps ops;
  private final DataType dtype;
  private final int chunkRows;

  BenchRows(NDManager root, FusedOps ops, DataType dtype) {
    this.root = root;
    this.ops = ops;
    this.dtype = dtype;
    this.chunkRows = 1024;
    if (TrainNatives.available() && Boolean.getBoolean("fairl.bench.compositeNorm")) {
      TrainNatives.useFusedRmsNorm(false); // the fused layer with the composite RMSNorm
    }
  }

  /**
   * Token {@code t} of row {@code row} in batch {@code step}: a 64-bit LCG hash that
   * tools/bench/baseline.py computes identically, so both sides train on the same tokens.
   */
  static long token(long step, long row, long t, long vocab) {
    long x = step * 1000003L + row * 10007L + t * 101L + 12345L;
    long h = x * 6364136223846793005L + 1442695040888963407L;
    return ((h >> 33) & 0x7FFFFFFFL) % vocab;
  }

  static long[] batchIds(long step, int rows, int seq, long vocab) {
    long[] ids = new long[rows * seq];
    for (int r = 0; r < rows; r++) {
      for (int t = 0; t < seq; t++) {
        ids[r * seq + t] = token(step, r, t, vocab);
      }
    }
    return ids;
  }

  /**
   * A random-init model: on a GPU drawn there (normal(0, initializer_range) weights, norms 1,
   * biases 0: TransformerModel.create's distribution, from the engine's generator seeded with
   * {@code seed}, so two calls with one seed give one model), which takes seconds where create's
   * host loop takes about ten per billion parameters; on a CPU through create.
   */
  TransformerModel model(TransformerConfig c, long seed) {
    TransformerModel m =
        root.getDevice().isGpu()
            ? TransformerModel.random(c, root, dtype, seed)
            : TransformerModel.create(c, root, dtype, seed);
    FusedKernels.install(m, ops, true);
    return m;
  }

  static NDArray lmHead(TransformerModel m) {
    Map<String, NDArray> p = m.parameters();
    NDArray h = p.get("lm_head.weight");
    return h != null ? h : p.get("model.embed_tokens.weight");
  }

  /**
   * Log-probs of each next token, (rows, seq - 1) fp32: with fairl-native through the chunked
   * chosen-token kernel (no full fp32 logits); otherwise from the model's fp32 logits through
   * LogProbs, as SftObjective computes them.
   */
  NDArray nextTokenLogProbs(TransformerModel m, NDArray ids, boolean training) {
    long s = ids.getShape().get(1);
    if (!ops.isNative()) {
      NDArray logits = m.forward(ids, null, null, null, training).logits(); // (rows, seq, vocab)
      return LogProbs.ofLabels(logits, ids);
    }
    ModelOutput out = m.forward(ids, null, null, null, training, 1);
    NDArray hidden = out.hiddenStates().get(":, :{}, :", s - 1); // (rows, seq - 1, hidden)
    NDArray targets = ids.get(":, 1:"); // (rows, seq - 1)
    if (TrainNatives.available()) {
      return TrainNatives.chosenLogProbs(hidden, lmHead(m), targets, chunkRows);
    }
    return ops.chosenLogProbs(hidden, lmHead(m), targets, chunkRows);
  }

  /** Fused AdamW over bf16 (full) or fp32 (LoRA) parameters, states in the parameters' dtype. */
  final class Optimizer implements AutoCloseable {
    final List<NDArray> params;
    final List<NDArray> m = new ArrayList<>();
    final List<NDArray> v = new ArrayList<>();
    final NDManager states = root.newSubManager();
    final FusedOps.AdamW hyper = new FusedOps.AdamW(1e-5, 0.9, 0.999, 1e-8, 0.01);
    long step;

    Optimizer(Map<String, NDArray> trainable) {
      params = new ArrayList<>(trainable.values());
      for (NDArray p : params) {
        p.setRequiresGradient(true);
        m.add(states.zeros(p.getShape(), p.getDataType()));
        v.add(states.zeros(p.getShape(), p.getDataType()));
      }
    }

    void update(NDManager scope) {
      if (ops.isNative() && TrainNatives.available()) {
        // all gradients in one call; afterwards set to None (zero_grad(set_to_none=True)), so
        // their memory is free through the next forward, as in the PyTorch baseline
        List<NDArray> grads = TrainNatives.gradients(params, scope);
        ops.adamw(params, grads, m, v, hyper, ++step);
        TrainNatives.clearGradients(params);
        return;
      }
      List<NDArray> grads = new ArrayList<>(params.size());
      for (NDArray p : params) {
        NDArray g = p.getGradient();
        g.attach(scope);
        grads.add(g);
      }
      ops.adamw(params, grads, m, v, hyper, ++step);
      for (NDArray g : grads) {
        g.subi(g);
      }
    }

    @Override
    public void close() {
      states.close();
    }
  }

  interface LossFn {
    NDArray loss(NDManager scope, int step);
  }

  /** Runs warm-up then timed steps of {@code fn}; returns step seconds and the last loss. */
  double[] trainSteps(Optimizer opt, LossFn fn, int warmup, int steps) {
    double last = Double.NaN;
    long t0 = 0;
    for (int i = 0; i < warmup + steps; i++) {
      if (i == warmup) {
        ops.synchronize();
        t0 = System.nanoTime();
      }
      try (NDManager scope = root.newSubManager();
          GradientCollector gc = Engine.getInstance().newGradientCollector()) {
        NDArray loss = fn.loss(scope, i);
        gc.backward(loss);
        GradientCheckpointing.backwardPending(); // a no-op unless the model checkpoints
        opt.update(scope);
        if (i == warmup + steps - 1) {
          last = loss.getFloat();
        }
      }
    }
    ops.synchronize();
    double stepS = (System.nanoTime() - t0) / 1e9 / steps;
    // where the time goes (two more steps, untimed above, the device synchronised between parts):
    // host time to enqueue the forward, forward, backward, optimizer; milliseconds, the last step's
    double[] split = new double[4];
    if (ops.isNative()) {
      for (int i = 0; i < 2; i++) {
        try (NDManager scope = root.newSubManager();
            GradientCollector gc = Engine.getInstance().newGradientCollector()) {
          long a = System.nanoTime();
          NDArray loss = fn.loss(scope, warmup + steps + i);
          long b = System.nanoTime();
          ops.synchronize();
          long c = System.nanoTime();
          gc.backward(loss);
          GradientCheckpointing.backwardPending();
          ops.synchronize();
          long d = System.nanoTime();
          opt.update(scope);
          ops.synchronize();
          long e = System.nanoTime();
          split = new double[] {(b - a) / 1e6, (c - a) / 1e6, (d - c) / 1e6, (e - d) / 1e6};
        }
      }
    }
    return new double[] {stepS, last, split[0], split[1], split[2], split[3]};
  }

  /** The split of trainSteps' result as a JSON object (milliseconds). */
  static Map<String, Object> split(double[] r) {
    Map<String, Object> o = new LinkedHashMap<>();
    o.put("forward_enqueue_ms", r[2]);
    o.put("forward_ms", r[3]);
    o.put("backward_ms", r[4]);
    o.put("optimizer_ms", r[5]);
    return o;
  }

  Map<String, Object> sft(
      TransformerConfig c, boolean lora, int batch, int seq, int warmup, int steps) {
    ops.resetPeakMemory(0);
    long n = c.parameterCount();
    try (TransformerModel m = model(c, 0)) {
      double[] check = lora ? null : fusedCheck(m, c, batch, seq);
      LoraModel lm = lora ? LoraModel.inject(m, loraConfig(), 1, "bench") : null;
      try (Optimizer opt = new Optimizer(lora ? lm.parameters() : m.parameters())) {
        double[] r =
            trainSteps(
                opt,
                (scope, i) -> {
                  NDArray ids =
                      scope.create(batchIds(i, batch, seq, c.vocabSize()), new Shape(batch, seq));
                  return nextTokenLogProbs(m, ids, true).mean().neg();
                },
                warmup,
                steps);
        double tokS = batch * seq / r[0];
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("tokens_per_s", tokS);
        o.put("mfu", tokS * (lora ? 4 : 6) * n / (PEAK_TFLOPS * 1e12));
        o.put("step_s", r[0]);
        o.put("peak_gb", peakGb());
        o.put("params", n);
        o.put("last_loss", r[1]);
        o.put("fused_layers", m.fusedLayers()); // LoRA without dropout runs fused too
        if (check != null) {
          o.put("loss_fused_vs_djl_path", check);
        }
        o.put("split", split(r));
        return o;
      } finally {
        if (lm != null) {
          lm.close();
        }
      }
    }
  }

  /**
   * The recipe path's full fine-tuning step (row {@code sft_amp}): {@link ai.fairl.train.TrainLoop}
   * with fp32 master weights, bf16 compute on a GPU (fp32 on a CPU), SftObjective, clipping and
   * AdamW, as a recipe with {@code bf16: true} trains; compared with the baseline's fp32 model
   * under bf16 autocast.
   */
  Map<String, Object> sftRecipe(TransformerConfig c, int batch, int seq, int warmup, int steps) {
    boolean gpu = root.getDevice().isGpu();
    ai.fairl.train.DataParallelBenchmark.Measured r =
        ai.fairl.train.DataParallelBenchmark.singleProcess(
            c, root.getDevice(), batch, seq, warmup, steps, gpu);
    Map<String, Object> o = new LinkedHashMap<>();
    o.put("tokens_per_s", r.tokensPerSecond());
    o.put("mfu", r.tokensPerSecond() * 6 * r.params() / (PEAK_TFLOPS * 1e12));
    o.put("step_s", r.stepSeconds());
    o.put("peak_gb", r.peakBytes() < 0 ? Double.NaN : r.peakBytes() / 1e9);
    o.put("params", r.params());
    o.put("last_loss", r.lastLoss());
    o.put("precision", gpu ? "fp32 master weights, bf16 compute" : "fp32");
    return o;
  }

  /**
   * The first batch's loss through the fused decoder layers and through the DJL path, before any
   * training (the GPU check that both compute the same function, in bf16); null when the model has
   * no fused path.
   */
  double[] fusedCheck(TransformerModel m, TransformerConfig c, int batch, int seq) {
    if (!m.fusedLayers()) {
      return null;
    }
    double[] out = new double[2];
    for (int k = 0; k < 2; k++) {
      m.setFusedLayers(k == 0);
      try (NDManager scope = root.newSubManager()) {
        NDArray ids = scope.create(batchIds(0, batch, seq, c.vocabSize()), new Shape(batch, seq));
        out[k] = nextTokenLogProbs(m, ids, false).mean().neg().getFloat();
      }
    }
    m.setFusedLayers(true);
    return out;
  }

  static LoraConfig loraConfig() {
    return new LoraConfig(8, 16, 0, ALL_LINEAR, null, null, LoraConfig.Bias.NONE);
  }

  private TransformerModel decodeModel;
  private TransformerConfig decodeConfig;

  /** One model per shape for both decode rows (b1 and b64); the previous shape's is closed. */
  private TransformerModel sharedDecodeModel(TransformerConfig c) {
    if (decodeModel == null || !c.equals(decodeConfig)) {
      closeDecodeModel();
      decodeModel = model(c, 0);
      decodeConfig = c;
    }
    return decodeModel;
  }

  void closeDecodeModel() {
    if (decodeModel != null) {
      decodeModel.close();
      decodeModel = null;
      decodeConfig = null;
    }
  }

  Map<String, Object> decode(TransformerConfig c, int batch, int prompt, int newTokens) {
    TransformerModel m = sharedDecodeModel(c);
    try (Generator gen = new Generator(m, null)) {
      long[][] prompts = new long[batch][prompt];
      for (int r = 0; r < batch; r++) {
        for (int t = 0; t < prompt; t++) {
          prompts[r][t] = token(1_000_000, r, t, c.vocabSize());
        }
      }
      GenerationConfig cfg = GenerationConfig.greedy(newTokens).withStopTokens(List.of(-1L));
      // warm-up over the same lengths, as the baseline does; with CUDA graphs it also captures
      ops.synchronize();
      long w0 = System.nanoTime();
      gen.generate(prompts, cfg, null);
      ops.synchronize();
      double first = (System.nanoTime() - w0) / 1e9;
      long t0 = System.nanoTime();
      GenerationResult res = gen.generate(prompts, cfg, null);
      ops.synchronize();
      double s = (System.nanoTime() - t0) / 1e9;
      long produced = 0;
      for (long[] t : res.tokens()) {
        produced += t.length;
      }
      Map<String, Object> o = new LinkedHashMap<>();
      o.put("tokens_per_s", produced / s);
      o.put("seconds", s);
      o.put("new_tokens", produced);
      o.put("first_call_s", first);
      o.put("decode_path", gen.lastDecodePath());
      if (gen.lastDecodePath().equals("cuda-graph")) {
        // the replayed graph must choose what the same step run eagerly chooses
        int check = Math.min(8, newTokens);
        try (Generator eager = new Generator(m, null)) {
          eager.setCudaGraphs(false);
          GenerationResult e =
              eager.generate(
                  prompts, GenerationConfig.greedy(check).withStopTokens(List.of(-1L)), null);
          int same = 0;
          int total = 0;
          for (int r = 0; r < batch; r++) {
            for (int t = 0; t < check; t++) {
              total++;
              same += e.tokens().get(r)[t] == res.tokens().get(r)[t] ? 1 : 0;
            }
          }
          o.put("graph_vs_eager_tokens_equal", same + "/" + total);
        }
      }
      o.put(
          "loop",
          "ai.fairl.generate.Generator (static KV cache, token choice on the device; "
              + gen.lastDecodePath()
              + "); the timed call is the second of the same shape");
      return o;
    }
  }

  /** One DPO step: policy (full fine-tuning) and a frozen reference, chosen and rejected rows. */
  Map<String, Object> dpo(TransformerConfig c, int pairs, int seq, int warmup, int steps) {
    ops.resetPeakMemory(0);
    double beta = 0.1;
    try (TransformerModel policy = model(c, 0);
        TransformerModel ref = model(c, 0)) {
      try (Optimizer opt = new Optimizer(policy.parameters())) {
        double[] r =
            trainSteps(
                opt,
                (scope, i) -> {
                  NDArray ids =
                      scope.create(
                          batchIds(100 + i, 2 * pairs, seq, c.vocabSize()),
                          new Shape(2 * pairs, seq));
                  NDArray pol = nextTokenLogProbs(policy, ids, true).sum(new int[] {1}); // (2p)
                  NDArray rf; // the frozen reference: no autograd bookkeeping
                  ai.djl.pytorch.jni.JniUtils.setGradMode(false);
                  try {
                    rf = nextTokenLogProbs(ref, ids, false).sum(new int[] {1}); // (2p)
                  } finally {
                    ai.djl.pytorch.jni.JniUtils.setGradMode(true);
                  }
                  NDArray d = pol.sub(rf); // (2p)
                  NDArray z =
                      Scalars.mul(d.get(":{}", pairs).sub(d.get("{}:", pairs)), beta); // (p)
                  return Activation.softPlus(z.neg()).mean(); // -log sigmoid(z)
                },
                warmup,
                steps);
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("pairs_per_s", pairs / r[0]);
        o.put("tokens_per_s", 2.0 * pairs * seq / r[0]);
        o.put("step_s", r[0]);
        o.put("peak_gb", peakGb());
        o.put("last_loss", r[1]);
        o.put("split", split(r));
        return o;
      }
    }
  }

  /**
   * One GRPO step, split: sampling {@code prompts * group} completions, two log-prob passes (old
   * policy and reference, no gradients), and the update (GrpoLoss, loss type grpo, beta 0.04).
   */
  Map<String, Object> grpo(
      TransformerConfig c, int prompts, int group, int promptLen, int newTokens, int steps) {
    ops.resetPeakMemory(0);
    int rows = prompts * group;
    GrpoConfig cfg =
        GrpoConfig.grpoDefaults()
            .with(
                b -> {
                  b.beta = 0.04;
                  b.lossType = LossType.GRPO;
                  b.numGenerations = group;
                });
    double gen = 0;
    double lp = 0;
    double upd = 0;
    double last = Double.NaN;
    String path = "";
    closeDecodeModel();
    double lpGap = 0;
    try (TransformerModel policy = model(c, 0);
        TransformerModel ref = model(c, 0);
        Optimizer opt = new Optimizer(policy.parameters());
        Generator generator = new Generator(policy, null)) {
      for (int step = 0; step <= steps; step++) { // step 0 warms up
        long[][] p = new long[rows][promptLen];
        for (int r = 0; r < rows; r++) {
          for (int t = 0; t < promptLen; t++) {
            p[r][t] = token(2_000_000 + step, r / group, t, c.vocabSize());
          }
        }
        ops.synchronize();
        long t0 = System.nanoTime();
        GenerationConfig sampling =
            GenerationConfig.sampling(step == 0 ? 4 : newTokens, 1.0, 0, 1.0, step)
                .withStopTokens(List.of(-1L));
        GenerationResult gr = generator.generate(p, sampling, null);
        long[][] res = gr.tokens().toArray(new long[0][]);
        path = generator.lastDecodePath();
        ops.synchronize();
        long t1 = System.nanoTime();
        int comp = res[0].length;
        int seq = promptLen + comp;
        long[] ids = new long[rows * seq];
        for (int r = 0; r < rows; r++) {
          System.arraycopy(p[r], 0, ids, r * seq, promptLen);
          System.arraycopy(res[r], 0, ids, r * seq + promptLen, comp);
        }
        float[] adv = new float[rows];
        for (int r = 0; r < rows; r++) {
          adv[r] = (float) (((r % group) - (group - 1) / 2.0) / Math.max(1, group / 2.0));
        }
        try (NDManager scope = root.newSubManager()) {
          NDArray x = scope.create(ids, new Shape(rows, seq));
          String cols = ":, " + (promptLen - 1) + ":";
          NDArray old;
          NDArray refLp;
          old = nextTokenLogProbs(policy, x, false).get(cols).stopGradient(); // (rows, comp)
          refLp = nextTokenLogProbs(ref, x, false).get(cols).stopGradient();
          ops.synchronize();
          long t2 = System.nanoTime();
          if (step == steps) {
            // sampler log-probs against the recompute (bf16: different kernels, same maths)
            float[] re = old.toType(DataType.FLOAT32, false).toFloatArray();
            double sum = 0;
            for (int r = 0; r < rows; r++) {
              for (int t = 0; t < comp; t++) {
                sum += Math.abs(re[r * comp + t] - gr.logProbs().get(r)[t]);
              }
            }
            lpGap = sum / (rows * comp);
          }
          NDArray a = scope.create(adv);
          NDArray mask = scope.ones(new Shape(rows, comp), DataType.FLOAT32);
          try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray logp = nextTokenLogProbs(policy, x, true).get(cols);
            GrpoLoss.Result l = GrpoLoss.compute(logp, old, refLp, a, mask, cfg);
            NDArray loss = Scalars.div(l.sum(), l.items());
            gc.backward(loss);
            opt.update(scope);
            last = loss.getFloat();
          }
          ops.synchronize();
          long t3 = System.nanoTime();
          if (step > 0) {
            gen += (t1 - t0) / 1e9;
            lp += (t2 - t1) / 1e9;
            upd += (t3 - t2) / 1e9;
          }
        }
      }
    }
    Map<String, Object> o = new LinkedHashMap<>();
    o.put("generation_s", gen / steps);
    o.put("logprob_s", lp / steps);
    o.put("update_s", upd / steps);
    o.put("step_s", (gen + lp + upd) / steps);
    o.put("completions", rows);
    o.put("decode_path", path);
    o.put("generation_vs_recompute_logprob_mean_abs", lpGap);
    o.put("peak_gb", peakGb());
    o.put("last_loss", last);
    return o;
  }

  /**
   * A random-init model whose projections are NF4 (double-quantised) from the start: each
   * projection's bf16 weight is drawn on the device, quantised there
   * (FourBitWeightStore.quantizeTensor) and freed before the next, so the bf16 projections never
   * all exist at once (as bitsandbytes quantises while loading). Embeddings and lm_head stay in the
   * compute dtype, norms are ones, biases zeros. {@code bytes} receives {bf16 bytes of the
   * projections, their NF4 bytes}.
   */
  TransformerModel quantisedModel(TransformerConfig c, long[] bytes) {
    Map<String, NDArray> w = new LinkedHashMap<>();
    NDArray zero = root.zeros(new Shape(1, 1), dtype);
    float std = (float) c.initializerRange();
    for (Map.Entry<String, Shape> e : TransformerModel.expectedShapes(c).entrySet()) {
      String name = e.getKey();
      Shape shape = e.getValue();
      boolean projection =
          name.endsWith("_proj.weight") && ALL_LINEAR.stream().anyMatch(name::contains);
      NDArray a;
      if (projection) {
        a = zero.broadcast(shape); // a view of one value: no memory until quantised below
      } else if (name.endsWith("norm.weight")) {
        a = root.ones(shape, dtype);
      } else if (name.endsWith(".bias")) {
        a = root.zeros(shape, dtype);
      } else {
        a = root.randomNormal(0f, std, shape, dtype);
      }
      w.put(name, a);
    }
    TransformerModel m = TransformerModel.fromTensors(c, w, root, dtype);
    FusedKernels.install(m, ops, true);
    for (Map.Entry<String, ai.fairl.model.Linear> e : m.linears().entrySet()) {
      ai.fairl.model.Linear l = e.getValue();
      if (!ALL_LINEAR.stream().anyMatch(e.getKey()::endsWith)) {
        continue;
      }
      FourBitWeightStore q;
      try (NDArray dense =
          root.randomNormal(0f, std, new Shape(l.outFeatures(), l.inFeatures()), dtype)) {
        q = FourBitWeightStore.quantizeTensor(dense, QuantType.NF4, true);
      }
      bytes[0] += (long) l.outFeatures() * l.inFeatures() * dtype.getNumOfBytes();
      bytes[1] += q.storageBytes();
      l.setWeightStore(q).close();
    }
    zero.close();
    return m;
  }

  /**
   * QLoRA: a model built NF4 from the start (quantisedModel), LoRA r8 on all linear layers,
   * gradient checkpointing per layer, a few training steps. Peaks: the whole row (building and
   * quantising included) and the training steps alone.
   */
  Map<String, Object> qlora(TransformerConfig c, int batch, int seq, int steps) {
    ops.synchronize();
    ops.resetPeakMemory(0);
    long t0 = System.nanoTime();
    long[] bytes = new long[2];
    try (TransformerModel m = quantisedModel(c, bytes)) {
      ops.synchronize();
      double buildS = (System.nanoTime() - t0) / 1e9;
      double buildPeak = peakGb();
      double afterLoad = ops.cudaMemory(0).map(x -> x.allocated() / 1e9).orElse(0.0);
      GradientCheckpointing.enable(m);
      try (LoraModel lm = LoraModel.inject(m, loraConfig(), 1, "bench");
          Optimizer opt = new Optimizer(lm.parameters())) {
        ops.resetPeakMemory(0);
        double[] r =
            trainSteps(
                opt,
                (scope, i) -> {
                  NDArray ids =
                      scope.create(
                          batchIds(300 + i, batch, seq, c.vocabSize()), new Shape(batch, seq));
                  return nextTokenLogProbs(m, ids, true).mean().neg();
                },
                1,
                steps);
        double trainPeak = peakGb();
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("peak_gb", Math.max(buildPeak, trainPeak));
        o.put("peak_gib", Math.max(buildPeak, trainPeak) * 1e9 / (1L << 30));
        o.put("train_peak_gb", trainPeak);
        o.put("build_peak_gb", buildPeak);
        o.put("build_s", buildS);
        o.put("weights_gb_after_quantisation", afterLoad);
        o.put("projection_bytes_bf16", bytes[0]);
        o.put("projection_bytes_nf4", bytes[1]);
        o.put("tokens_per_s", batch * seq / r[0]);
        o.put("batch", batch);
        o.put("seq", seq);
        o.put("gradient_checkpointing", true);
        o.put("last_loss", r[1]);
        return o;
      } finally {
        GradientCheckpointing.disable(m);
      }
    }
  }

  /** The CUDA caching allocator's peak in GB, or the JVM's VmHWM on a CPU. */
  double peakGb() {
    return ops.cudaMemory(0).map(x -> x.peakAllocated() / 1e9).orElseGet(BenchRows::vmHwmGb);
  }

  static double vmHwmGb() {
    try {
      for (String line :
          java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/status"))) {
        if (line.startsWith("VmHWM:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024 / 1e9;
        }
      }
    } catch (java.io.IOException e) {
      return 0;
    }
    return 0;
  }
}
