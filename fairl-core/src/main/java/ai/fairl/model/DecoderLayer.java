package ai.fairl.model;

import ai.djl.ndarray.NDArray;
import java.util.List;

/** One pre-norm decoder block: attention then SwiGLU MLP, each with a residual connection. */
final class DecoderLayer {
  final int index;
  final Linear q;
  final Linear k;
  final Linear v;
  final Linear o;
  final Linear gate;
  final Linear up;
  final Linear down;
  final NDArray inputNorm; // (hidden)
  final NDArray postNorm; // (hidden)
  final NDArray qNorm; // (head_dim) or null
  final NDArray kNorm; // (head_dim) or null

  DecoderLayer(
      int index,
      Linear q,
      Linear k,
      Linear v,
      Linear o,
      Linear gate,
      Linear up,
      Linear down,
      NDArray inputNorm,
      NDArray postNorm,
      NDArray qNorm,
      NDArray kNorm) {
    this.index = index;
    this.q = q;
    this.k = k;
    this.v = v;
    this.o = o;
    this.gate = gate;
    this.up = up;
    this.down = down;
    this.inputNorm = inputNorm;
    this.postNorm = postNorm;
    this.qNorm = qNorm;
    this.kNorm = kNorm;
  }

  /** No active adapters, or one plain low-rank adapter (LoRA without dropout) per projection. */
  private boolean fusable(boolean training) {
    for (Linear l : List.of(q, k, v, o, gate, up, down)) {
      if (l.hasActiveAdapters()
          && !(l.adapters().size() == 1
              && l.adapters().get(0) instanceof LowRankAdapter a
              && a.plainLowRank(training))) {
        return false;
      }
    }
    return true;
  }

  /** The whole layer in one fairl-native call; keyMask (batch, 1, 1, seq) boolean or null. */
  private NDArray fused(NDArray h, TransformerModel m, NDArray cos, NDArray sin, NDArray keyMask) {
    TransformerConfig c = m.config();
    List<Linear> ls = List.of(q, k, v, o, gate, up, down);
    long[] w = new long[7];
    long[] b = new long[7];
    long[] la = null;
    long[] lb = null;
    double[] ls2 = null;
    for (int i = 0; i < 7; i++) {
      Linear l = ls.get(i);
      w[i] = TrainNatives.handle(l.weightFor(h));
      b[i] = TrainNatives.handle(l.biasFor(h));
      if (l.hasActiveAdapters()) {
        if (la == null) {
          la = new long[7];
          lb = new long[7];
          ls2 = new double[7];
        }
        LowRankAdapter a = (LowRankAdapter) l.adapters().get(0);
        la[i] = TrainNatives.handle(a.a());
        lb[i] = TrainNatives.handle(a.b());
        ls2[i] = a.scaling();
      }
    }
    long[] norms = {
      TrainNatives.handle(TransformerModel.like(inputNorm, h)),
      TrainNatives.handle(TransformerModel.like(postNorm, h)),
      qNorm == null ? 0 : TrainNatives.handle(TransformerModel.like(qNorm, h)),
      kNorm == null ? 0 : TrainNatives.handle(TransformerModel.like(kNorm, h))
    };
    long out =
        TrainNatives.decoderLayer(
            TrainNatives.handle(h),
            w,
            b,
            norms,
            la,
            lb,
            ls2,
            TrainNatives.handle(TransformerModel.like(cos, h)),
            TrainNatives.handle(TransformerModel.like(sin, h)),
            TrainNatives.handle(keyMask),
            c.numHeads(),
            c.numKvHeads(),
            c.headDim(),
            (float) c.rmsNormEps(),
            (float) (1.0 / Math.sqrt(c.headDim())));
    return TrainNatives.wrap(h, out); // (batch, seq, hidden)
  }

  /**
   * @param h (batch, seq, hidden)
   * @param keyMask (batch, 1, 1, seq) boolean for the fused path, or null (causal only)
   * @return (batch, seq, hidden)
   */
  NDArray forward(
      NDArray h,
      TransformerModel m,
      NDArray cos,
      NDArray sin,
      AttentionMask mask,
      NDArray keyMask,
      KvCache cache,
      boolean training) {
    TransformerConfig c = m.config();
    if (m.fusedLayers() && cache == null && mask.slidingWindow() <= 0 && fusable(training)) {
      return fused(h, m, cos, sin, keyMask);
    }
    long b = h.getShape().get(0);
    long s = h.getShape().get(1);
    float eps = (float) c.rmsNormEps();
    NormKernel norm = m.normKernel();
    NDArray x = norm.rmsNorm(h, TransformerModel.like(inputNorm, h), eps);
    NDArray qs = q.forward(x, training).reshape(b, s, c.numHeads(), c.headDim());
    NDArray ks = k.forward(x, training).reshape(b, s, c.numKvHeads(), c.headDim());
    NDArray vs = v.forward(x, training).reshape(b, s, c.numKvHeads(), c.headDim());
    if (qNorm != null) {
      qs = norm.rmsNorm(qs, TransformerModel.like(qNorm, qs), eps);
      ks = norm.rmsNorm(ks, TransformerModel.like(kNorm, ks), eps);
    }
    qs = Rotary.apply(qs.transpose(0, 2, 1, 3), cos, sin); // (b, heads, s, d)
    ks = Rotary.apply(ks.transpose(0, 2, 1, 3), cos, sin); // (b, kv_heads, s, d)
    vs = vs.transpose(0, 2, 1, 3); // (b, kv_heads, s, d)
    if (cache != null) {
      NDArray[] kv = cache.append(index, ks, vs); // (b, kv_heads, past + s, d)
      ks = kv[0];
      vs = kv[1];
    }
    float scale = (float) (1.0 / Math.sqrt(c.headDim()));
    NDArray att = m.attentionKernel().attend(qs, ks, vs, mask, scale); // (b, heads, s, d)
    att = att.transpose(0, 2, 1, 3).reshape(b, s, (long) c.numHeads() * c.headDim());
    h = h.add(o.forward(att, training));
    x = norm.rmsNorm(h, TransformerModel.like(postNorm, h), eps);
    NDArray mlp =
        down.forward(
            AttentionKernel.silu(gate.forward(x, training)).mul(up.forward(x, training)), training);
    return h.add(mlp);
  }

  /**
   * One decode step against a {@link StaticKvCache}: as {@link #forward} for a single new token,
   * except that its key and value are written in place at {@code slot} and attention reads the
   * whole cache under {@code mask}. Everything derived from the cache is re-homed to {@code h}'s
   * manager (the step's), so nothing accumulates on the cache.
   *
   * @param h (batch, 1, hidden)
   * @param slot (1) int64
   * @return (batch, 1, hidden)
   */
  NDArray forwardStatic(
      NDArray h,
      TransformerModel m,
      NDArray cos,
      NDArray sin,
      AttentionMask mask,
      StaticKvCache cache,
      NDArray slot) {
    TransformerConfig c = m.config();
    long b = h.getShape().get(0);
    float eps = (float) c.rmsNormEps();
    NormKernel norm = m.normKernel();
    NDArray x = norm.rmsNorm(h, TransformerModel.like(inputNorm, h), eps);
    NDArray qs = q.forward(x, false).reshape(b, 1, c.numHeads(), c.headDim());
    NDArray ks = k.forward(x, false).reshape(b, 1, c.numKvHeads(), c.headDim());
    NDArray vs = v.forward(x, false).reshape(b, 1, c.numKvHeads(), c.headDim());
    if (qNorm != null) {
      qs = norm.rmsNorm(qs, TransformerModel.like(qNorm, qs), eps);
      ks = norm.rmsNorm(ks, TransformerModel.like(kNorm, ks), eps);
    }
    qs = Rotary.apply(qs.transpose(0, 2, 1, 3), cos, sin); // (b, heads, 1, d)
    ks = Rotary.apply(ks.transpose(0, 2, 1, 3), cos, sin); // (b, kv_heads, 1, d)
    vs = vs.transpose(0, 2, 1, 3); // (b, kv_heads, 1, d)
    NDArray[] kv = cache.write(index, ks, vs, slot); // (b, kv_heads, capacity, d), the cache's
    float scale = (float) (1.0 / Math.sqrt(c.headDim()));
    NDArray att = m.attentionKernel().attend(qs, kv[0], kv[1], mask, scale); // (b, heads, 1, d)
    att.attach(h.getManager());
    att = att.transpose(0, 2, 1, 3).reshape(b, 1, (long) c.numHeads() * c.headDim());
    h = h.add(o.forward(att, false));
    x = norm.rmsNorm(h, TransformerModel.like(postNorm, h), eps);
    NDArray mlp =
        down.forward(AttentionKernel.silu(gate.forward(x, false)).mul(up.forward(x, false)), false);
    return h.add(mlp);
  }
}
