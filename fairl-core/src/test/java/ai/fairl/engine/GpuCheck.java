/*
 * GPU validation numbers for fairl-native through DJL (the GPU run's "bench" step; prints, does
 * not assert): bf16 matmul TFLOP/s, attention (fused vs composite), chosen-token log-probs peak
 * memory (chunked native vs composite), AdamW step time. Timing: warm-up, then device-synchronised
 * wall clock over repeats, median. Run: java ... ai.fairl.engine.GpuCheck
 */
package ai.fairl.engine;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;

final class GpuCheck {

  private GpuCheck() {}

  private static final FusedOps NATIVE = FusedOps.get();

  /** Median milliseconds of repeats of work (each result closed), after warm-up. */
  static double medianMs(int warmup, int repeats, Supplier<NDArray> work) {
    for (int i = 0; i < warmup; i++) {
      work.get().close();
    }
    NATIVE.synchronize();
    double[] t = new double[repeats];
    for (int i = 0; i < repeats; i++) {
      long t0 = System.nanoTime();
      NDArray r = work.get();
      NATIVE.synchronize();
      t[i] = (System.nanoTime() - t0) / 1e6;
      r.close();
    }
    Arrays.sort(t);
    return t[repeats / 2];
  }

  public static void main(String[] args) {
    EngineInfo info = EngineInfo.current();
    System.out.println(info.describe());
    if (!info.isFairlNative() || info.gpuCount() == 0) {
      throw new IllegalStateException("GpuCheck needs fairl-native on a GPU: " + info.describe());
    }
    Engine.getEngine("PyTorch").setRandomSeed(0);
    Device gpu = Device.gpu();
    try (NDManager m = NDManager.newBaseManager(gpu)) {
      // bf16 matmul, random data (zeros run faster)
      int n = 8192;
      NDArray a = m.randomNormal(new Shape(n, n)).toType(DataType.BFLOAT16, false);
      NDArray b = m.randomNormal(new Shape(n, n)).toType(DataType.BFLOAT16, false);
      double ms = medianMs(3, 20, () -> a.matMul(b));
      System.out.printf(
          "RESULT bf16_matmul n=%d median_ms=%.3f tflops=%.1f%n",
          n, ms, 2.0 * n * n * n / ms / 1e9);

      // attention: Llama-3.2-1B-like heads (32 q, 8 kv, dim 64), batch 4, seq 2048, causal, bf16
      int bs = 4, h = 32, kvh = 8, t = 2048, d = 64;
      NDArray q = m.randomNormal(new Shape(bs, h, t, d)).toType(DataType.BFLOAT16, false);
      NDArray k = m.randomNormal(new Shape(bs, kvh, t, d)).toType(DataType.BFLOAT16, false);
      NDArray v = m.randomNormal(new Shape(bs, kvh, t, d)).toType(DataType.BFLOAT16, false);
      double flops = 4.0 * bs * h * (double) t * t * d / 2; // causal: half the score matrix
      double fused = medianMs(3, 20, () -> NATIVE.attention(q, k, v, null, true, 0));
      double comp = medianMs(2, 5, () -> FusedOps.composite().attention(q, k, v, null, true, 0));
      float[] x =
          NATIVE.attention(q, k, v, null, true, 0).toType(DataType.FLOAT32, false).toFloatArray();
      float[] y =
          FusedOps.composite()
              .attention(q, k, v, null, true, 0)
              .toType(DataType.FLOAT32, false)
              .toFloatArray();
      System.out.printf(
          "RESULT sdpa_causal_gqa b=%d h=%d kv=%d t=%d d=%d fused_ms=%.3f fused_tflops=%.1f composite_ms=%.3f speedup=%.1fx rel_err=%.2e%n",
          bs, h, kvh, t, d, fused, flops / fused / 1e9, comp, comp / fused, relErr(x, y));

      // chosen-token log-probs: 8 x 512 rows, hidden 896, vocab 151936 (Qwen2.5-0.5B), bf16,
      // fwd+bwd
      long rows = 8 * 512, hid = 896, vocab = 151936;
      NDArray hidden = m.randomNormal(new Shape(rows, hid)).toType(DataType.BFLOAT16, false);
      NDArray head =
          m.randomNormal(0, 0.02f, new Shape(vocab, hid), DataType.FLOAT32)
              .toType(DataType.BFLOAT16, false);
      NDArray targets = m.randomInteger(0, vocab, new Shape(rows), DataType.INT64);
      for (FusedOps ops : List.of(NATIVE, FusedOps.composite(), NATIVE, FusedOps.composite())) {
        // the first two rounds warm up; the last two are reported
        NATIVE.synchronize();
        long base = NATIVE.cudaMemory(0).orElseThrow().allocated();
        NATIVE.resetPeakMemory(0);
        long t0 = System.nanoTime();
        NDArray hh = hidden.duplicate();
        NDArray ww = head.duplicate();
        hh.setRequiresGradient(true);
        ww.setRequiresGradient(true);
        float sum;
        try (GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
          NDArray lp = ops.chosenLogProbs(hh, ww, targets, 1024);
          sum = lp.sum().getFloat();
          gc.backward(lp.sum());
        }
        NATIVE.synchronize();
        double msLp = (System.nanoTime() - t0) / 1e6;
        long peak = NATIVE.cudaMemory(0).orElseThrow().peakAllocated() - base;
        System.out.printf(
            "RESULT chosen_logprobs impl=%s rows=%d vocab=%d peak_extra_mib=%.0f ms=%.1f sum=%.3f grad_norm=%.4f%n",
            ops.isNative() ? "native_chunked" : "composite",
            rows,
            vocab,
            peak / 1048576.0,
            msLp,
            sum,
            hh.getGradient().toType(DataType.FLOAT32, false).norm().getFloat());
        hh.close();
        ww.close();
      }

      // AdamW over 48 fp32 tensors of 4M (192M params), fused vs composite
      List<NDArray> ps = new ArrayList<>(),
          gs = new ArrayList<>(),
          ms1 = new ArrayList<>(),
          vs = new ArrayList<>();
      for (int i = 0; i < 48; i++) {
        ps.add(m.randomNormal(new Shape(2048, 2048)));
        gs.add(m.randomNormal(new Shape(2048, 2048)));
        ms1.add(m.zeros(new Shape(2048, 2048)));
        vs.add(m.zeros(new Shape(2048, 2048)));
      }
      FusedOps.AdamW hyper = new FusedOps.AdamW(1e-4, 0.9, 0.999, 1e-8, 0.01);
      for (FusedOps ops : List.of(NATIVE, FusedOps.composite())) {
        long[] step = {1};
        double adamMs =
            medianMs(
                2,
                10,
                () -> {
                  ops.adamw(ps, gs, ms1, vs, hyper, step[0]++);
                  return m.zeros(new Shape(1));
                });
        System.out.printf(
            "RESULT adamw impl=%s params=%d median_ms=%.3f%n",
            ops.isNative() ? "native_fused" : "composite", 48L * 2048 * 2048, adamMs);
      }
      FusedOps.CudaMemory mem = NATIVE.cudaMemory(0).orElseThrow();
      System.out.printf(
          "RESULT cuda_memory allocated_mib=%.0f peak_mib=%.0f reserved_mib=%.0f%n",
          mem.allocated() / 1048576.0, mem.peakAllocated() / 1048576.0, mem.reserved() / 1048576.0);
    }
  }

  static double relErr(float[] x, float[] y) {
    double num = 0, den = 0;
    for (int i = 0; i < x.length; i++) {
      num += (x[i] - y[i]) * (double) (x[i] - y[i]);
      den += (double) y[i] * y[i];
    }
    return Math.sqrt(num / den);
  }
}
