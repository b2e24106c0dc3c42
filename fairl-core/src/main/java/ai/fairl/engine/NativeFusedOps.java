/* fairl-native's kernels (fairl-native/src/fused.cc) behind FusedOps. */
package ai.fairl.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import java.util.List;
import java.util.Optional;

final class NativeFusedOps implements FusedOps {

  static final NativeFusedOps INSTANCE = new NativeFusedOps();

  private NativeFusedOps() {}

  @Override
  public boolean isNative() {
    return true;
  }

  private static long h(NDArray a) {
    if (a == null) {
      return 0L;
    }
    if (!(a instanceof PtNDArray pt)) {
      throw new IllegalArgumentException(
          "fairl-native kernels need PyTorch NDArrays, got " + a.getClass().getName());
    }
    return pt.getHandle();
  }

  private static NDArray wrap(NDArray like, long handle) {
    return new PtNDArray((PtNDManager) like.getManager(), handle);
  }

  private static long[] handles(List<NDArray> arrays) {
    return arrays.stream().mapToLong(NativeFusedOps::h).toArray();
  }

  @Override
  public NDArray attention(
      NDArray q, NDArray k, NDArray v, NDArray mask, boolean causal, double scale) {
    return wrap(q, FusedNatives.sdpa(h(q), h(k), h(v), h(mask), causal, scale));
  }

  @Override
  public NDArray rmsNorm(NDArray x, NDArray weight, double eps) {
    return wrap(x, FusedNatives.rmsNorm(h(x), h(weight), eps));
  }

  @Override
  public NDArray rotary(NDArray x, NDArray cos, NDArray sin) {
    return wrap(x, FusedNatives.rotary(h(x), h(cos), h(sin)));
  }

  @Override
  public NDArray chosenLogProbs(NDArray hidden, NDArray lmHead, NDArray targets, int chunkRows) {
    return wrap(hidden, FusedNatives.chosenLogProbs(h(hidden), h(lmHead), h(targets), chunkRows));
  }

  @Override
  public void adamw(
      List<NDArray> params,
      List<NDArray> grads,
      List<NDArray> expAvg,
      List<NDArray> expAvgSq,
      AdamW hyper,
      long step) {
    FusedNatives.adamw(
        handles(params),
        handles(grads),
        handles(expAvg),
        handles(expAvgSq),
        hyper.lr(),
        hyper.beta1(),
        hyper.beta2(),
        hyper.eps(),
        hyper.weightDecay(),
        step);
  }

  @Override
  public void adamwFromGradients(
      List<NDArray> params, List<NDArray> expAvg, List<NDArray> expAvgSq, AdamW hyper, long step) {
    FusedNatives.adamwFromGradients(
        handles(params),
        handles(expAvg),
        handles(expAvgSq),
        hyper.lr(),
        hyper.beta1(),
        hyper.beta2(),
        hyper.eps(),
        hyper.weightDecay(),
        step);
  }

  @Override
  public double gradSquaredNorm(List<NDArray> params) {
    return FusedNatives.gradSquaredNorm(handles(params));
  }

  @Override
  public void scaleGradients(List<NDArray> params, double coef) {
    FusedNatives.scaleGradients(handles(params), coef);
  }

  @Override
  public void zeroGradients(List<NDArray> params) {
    FusedNatives.zeroGradients(handles(params));
  }

  @Override
  public Optional<CudaMemory> cudaMemory(int device) {
    if (!EngineInfo.current().cudaStats() || EngineInfo.current().gpuCount() <= device) {
      return Optional.empty();
    }
    long[] s = FusedNatives.cudaMemory(device);
    return Optional.of(new CudaMemory(s[0], s[1], s[2], s[3]));
  }

  @Override
  public void resetPeakMemory(int device) {
    if (EngineInfo.current().cudaStats() && EngineInfo.current().gpuCount() > device) {
      FusedNatives.cudaResetPeak(device);
    }
  }

  @Override
  public void synchronize() {
    if (EngineInfo.current().cudaStats() && EngineInfo.current().gpuCount() > 0) {
      FusedNatives.cudaSynchronize();
    }
  }
}
