/*
 * The composite DJL versions behind FusedOps: plain NDArray operations, so they run on any DJL
 * engine (stock natives included). Temporaries are closed through NDScope; only results survive.
 */
package ai.fairl.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.pytorch.jni.JniUtils;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

final class CompositeFusedOps implements FusedOps {

  static final CompositeFusedOps INSTANCE = new CompositeFusedOps();

  private CompositeFusedOps() {}

  @Override
  public boolean isNative() {
    return false;
  }

  @Override
  public NDArray attention(
      NDArray q, NDArray k, NDArray v, NDArray mask, boolean causal, double scale) {
    NDArray out;
    try (NDScope scope = new NDScope()) {
      scope.suppressNotUsedWarning();
      long heads = q.getShape().get(1);
      long kvHeads = k.getShape().get(1);
      if (heads % kvHeads != 0) {
        throw new IllegalArgumentException(
            "attention heads " + heads + " must be a multiple of kv heads " + kvHeads);
      }
      if (heads != kvHeads) {
        k = k.repeat(1, heads / kvHeads);
        v = v.repeat(1, heads / kvHeads);
      }
      long tq = q.getShape().get(2);
      long tk = k.getShape().get(2);
      double s = scale > 0 ? scale : 1.0 / Math.sqrt(q.getShape().get(3));
      NDManager m = q.getManager();
      // (batch, heads, tq, tk)
      NDArray scores =
          Scalars.mul(q.matMul(k.transpose(0, 1, 3, 2)).toType(DataType.FLOAT32, false), s);
      NDArray allowed = null;
      if (causal) {
        NDArray rows = m.arange(0, (int) tq, 1, DataType.INT64).reshape(tq, 1).add(tk - tq);
        NDArray cols = m.arange(0, (int) tk, 1, DataType.INT64).reshape(1, tk);
        allowed = cols.lte(rows); // (tq, tk)
      }
      if (mask != null) {
        if (mask.getDataType() == DataType.BOOLEAN) {
          allowed = allowed == null ? mask : allowed.logicalAnd(mask);
        } else {
          scores = scores.add(mask.toType(DataType.FLOAT32, false));
        }
      }
      if (allowed != null) {
        // DJL's where does not broadcast: expand the mask and the fill to the scores' shape
        NDArray negInf = m.full(scores.getShape(), Float.NEGATIVE_INFINITY);
        scores = NDArrays.where(allowed.broadcast(scores.getShape()), scores, negInf);
      }
      out = scores.softmax(-1).toType(v.getDataType(), false).matMul(v);
      NDScope.unregister(out);
    }
    return out;
  }

  @Override
  public NDArray rmsNorm(NDArray x, NDArray weight, double eps) {
    NDArray out;
    try (NDScope scope = new NDScope()) {
      scope.suppressNotUsedWarning();
      NDArray xf = x.toType(DataType.FLOAT32, false);
      NDArray meanSquare = xf.square().mean(new int[] {-1}, true);
      NDArray normed =
          xf.mul(Scalars.pow(meanSquare.add(eps), -0.5)).toType(x.getDataType(), false);
      out = weight.mul(normed);
      NDScope.unregister(out);
    }
    return out;
  }

  @Override
  public NDArray rotary(NDArray x, NDArray cos, NDArray sin) {
    NDArray out;
    try (NDScope scope = new NDScope()) {
      scope.suppressNotUsedWarning();
      long half = x.getShape().tail() / 2;
      NDArray x1 = x.get(new NDIndex("..., :{}", half));
      NDArray x2 = x.get(new NDIndex("..., {}:", half));
      NDArray rotated = NDArrays.concat(new NDList(x2.neg(), x1), -1);
      out = x.mul(cos).add(rotated.mul(sin));
      NDScope.unregister(out);
    }
    return out;
  }

  @Override
  public NDArray chosenLogProbs(NDArray hidden, NDArray lmHead, NDArray targets, int chunkRows) {
    if (chunkRows <= 0) {
      throw new IllegalArgumentException("chosenLogProbs chunkRows must be > 0, got " + chunkRows);
    }
    NDArray out;
    try (NDScope scope = new NDScope()) {
      scope.suppressNotUsedWarning();
      long h = hidden.getShape().tail();
      NDArray flatH = hidden.reshape(-1, h); // (rows, h)
      NDArray flatT = targets.reshape(-1).toType(DataType.INT64, false); // (rows)
      long rows = flatH.getShape().get(0);
      NDList parts = new NDList();
      NDArray weightT = lmHead.transpose();
      for (long s = 0; s < rows; s += chunkRows) {
        long e = Math.min(rows, s + chunkRows);
        NDArray logits = flatH.get(new NDIndex("{}:{}", s, e)).matMul(weightT);
        NDArray logp = logits.toType(DataType.FLOAT32, false).logSoftmax(-1); // (chunk, vocab)
        NDArray idx = flatT.get(new NDIndex("{}:{}", s, e)).expandDims(1);
        parts.add(logp.gather(idx, 1).squeeze(1));
      }
      // one chunk: no concat (DJL's concat of one array is a clone that drops the autograd graph)
      NDArray joined = parts.size() == 1 ? parts.head() : NDArrays.concat(parts, 0);
      out = joined.reshape(targets.getShape());
      NDScope.unregister(out);
    }
    return out;
  }

  @Override
  public void adamw(
      List<NDArray> params,
      List<NDArray> grads,
      List<NDArray> expAvg,
      List<NDArray> expAvgSq,
      AdamW hyper,
      long step) {
    if (grads.size() != params.size()
        || expAvg.size() != params.size()
        || expAvgSq.size() != params.size()) {
      throw new IllegalArgumentException("adamw needs as many grads and states as params");
    }
    double bc1 = 1 - Math.pow(hyper.beta1(), step);
    double bc2 = 1 - Math.pow(hyper.beta2(), step);
    boolean gradMode = JniUtils.isGradMode();
    JniUtils.setGradMode(false);
    try (NDScope scope = new NDScope()) {
      scope.suppressNotUsedWarning();
      for (int i = 0; i < params.size(); i++) {
        NDArray p = params.get(i);
        NDArray m = expAvg.get(i);
        NDArray v = expAvgSq.get(i);
        NDArray g = grads.get(i).toType(m.getDataType(), false);
        p.muli(1 - hyper.lr() * hyper.weightDecay());
        m.muli(hyper.beta1()).addi(Scalars.mul(g, 1 - hyper.beta1()));
        v.muli(hyper.beta2()).addi(Scalars.mul(g.square(), 1 - hyper.beta2()));
        NDArray denom = Scalars.div(v.sqrt(), Math.sqrt(bc2)).add(hyper.eps());
        p.subi(Scalars.mul(m.div(denom), hyper.lr() / bc1).toType(p.getDataType(), false));
      }
    } finally {
      JniUtils.setGradMode(gradMode);
    }
  }

  @Override
  public void adamwFromGradients(
      List<NDArray> params, List<NDArray> expAvg, List<NDArray> expAvgSq, AdamW hyper, long step) {
    try (NDScope scope = new NDScope()) {
      scope.suppressNotUsedWarning();
      List<NDArray> grads = new ArrayList<>(params.size());
      for (NDArray p : params) {
        grads.add(p.getGradient());
      }
      adamw(params, grads, expAvg, expAvgSq, hyper, step);
    }
  }

  @Override
  public double gradSquaredNorm(List<NDArray> params) {
    try (NDScope scope = new NDScope()) {
      scope.suppressNotUsedWarning();
      // summed on the device in float64, read back once (not one host sync per parameter)
      NDArray total = null;
      for (NDArray p : params) {
        NDArray s = p.getGradient().square().sum().toType(DataType.FLOAT64, false);
        total = total == null ? s : total.add(s);
      }
      return total == null ? 0 : total.getDouble();
    }
  }

  @Override
  public void scaleGradients(List<NDArray> params, double coef) {
    try (NDScope scope = new NDScope()) {
      scope.suppressNotUsedWarning();
      for (NDArray p : params) {
        p.getGradient().muli((float) coef);
      }
    }
  }

  @Override
  public void zeroGradients(List<NDArray> params) {
    try (NDScope scope = new NDScope()) {
      scope.suppressNotUsedWarning();
      for (NDArray p : params) {
        NDArray g = p.getGradient();
        g.set(g.isNaN().logicalOr(g.isInfinite()), 0f); // g - g would keep NaN
        g.subi(g);
      }
    }
  }

  @Override
  public Optional<CudaMemory> cudaMemory(int device) {
    return Optional.empty();
  }

  @Override
  public void resetPeakMemory(int device) {}

  @Override
  public void synchronize() {
    // Stock DJL offers no device synchronisation; reading a value back from the GPU does it.
  }
}
