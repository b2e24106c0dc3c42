package ai.fairl.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.fairl.engine.FusedOps;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * AdamW (Loshchilov and Hutter, "Decoupled Weight Decay Regularization"), as {@code
 * torch.optim.AdamW} computes it, with fp32 state:
 *
 * <pre>
 *   p  &lt;- p - lr * wd * p                        (decoupled decay; skipped for biases and norms)
 *   m  &lt;- b1 m + (1 - b1) g ;  v &lt;- b2 v + (1 - b2) g^2
 *   p  &lt;- p - (lr / (1 - b1^t)) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
 * </pre>
 *
 * Weight decay is skipped for names ending in {@code bias} or containing {@code norm}, as HF's
 * Trainer does. The update, clipping and zeroing run through {@link FusedOps}: with fairl-native
 * each is one multi-tensor call over all parameters (PyTorch's fused AdamW kernel on a GPU), else
 * the composite DJL loop of the same formula. Also computes the global gradient norm and clips to
 * it. State is saved as {@code optimizer.safetensors} with keys {@code <param>.exp_avg} and {@code
 * <param>.exp_avg_sq}.
 */
final class AdamW implements AutoCloseable {
  private final Map<String, NDArray> params;
  private final Map<String, NDArray> expAvg = new LinkedHashMap<>();
  private final Map<String, NDArray> expAvgSq = new LinkedHashMap<>();
  private final NDManager manager;
  private final double beta1;
  private final double beta2;
  private final double eps;
  private final double weightDecay;
  private final FusedOps ops;
  private final List<NDArray> all;
  private final Group decay = new Group();
  private final Group noDecay = new Group();
  private long steps;

  /** Parameters with their moments, in the parameters' order. */
  private static final class Group {
    final List<NDArray> params = new ArrayList<>();
    final List<NDArray> expAvg = new ArrayList<>();
    final List<NDArray> expAvgSq = new ArrayList<>();
  }

  AdamW(Map<String, NDArray> params, double beta1, double beta2, double eps, double weightDecay) {
    this(params, beta1, beta2, eps, weightDecay, FusedOps.get());
  }

  /** With the given kernels ({@link FusedOps#composite()} in tests that compare the two). */
  AdamW(
      Map<String, NDArray> params,
      double beta1,
      double beta2,
      double eps,
      double weightDecay,
      FusedOps ops) {
    if (params.isEmpty()) {
      throw new IllegalArgumentException(
          "nothing to train: the model has no trainable parameters (check use_lora and"
              + " lora_target_modules)");
    }
    this.params = params;
    this.beta1 = beta1;
    this.beta2 = beta2;
    this.eps = eps;
    this.weightDecay = weightDecay;
    NDArray first = params.values().iterator().next();
    this.manager = NDManager.newBaseManager(first.getDevice());
    for (Map.Entry<String, NDArray> e : params.entrySet()) {
      NDArray p = e.getValue();
      if (p.getDataType() != DataType.FLOAT32) {
        throw new IllegalArgumentException(
            "trainable parameter "
                + e.getKey()
                + " must be fp32 master weights, got "
                + p.getDataType());
      }
      NDArray m = manager.zeros(p.getShape(), DataType.FLOAT32, p.getDevice());
      NDArray v = manager.zeros(p.getShape(), DataType.FLOAT32, p.getDevice());
      NDScope.unregister(m, v);
      expAvg.put(e.getKey(), m);
      expAvgSq.put(e.getKey(), v);
      Group g = weightDecay > 0 && decays(e.getKey()) ? decay : noDecay;
      g.params.add(p);
      g.expAvg.add(m);
      g.expAvgSq.add(v);
    }
    this.ops = ops;
    this.all = List.copyOf(params.values());
  }

  long steps() {
    return steps;
  }

  /**
   * The global L2 norm of all gradients, before clipping; scales the gradients in place so that the
   * norm is at most {@code maxNorm} when {@code maxNorm > 0} (torch's clip_grad_norm_, with its
   * 1e-6).
   */
  double clipGradients(double maxNorm) {
    return clipGradients(maxNorm, x -> x);
  }

  /**
   * As {@link #clipGradients(double)} where the parameters are this rank's shards: {@code
   * globalSquared} turns the local squared norm into the whole model's (a sum over ranks).
   */
  double clipGradients(double maxNorm, java.util.function.DoubleUnaryOperator globalSquared) {
    double norm = Math.sqrt(globalSquared.applyAsDouble(ops.gradSquaredNorm(all)));
    if (maxNorm > 0 && norm > maxNorm && Double.isFinite(norm)) {
      ops.scaleGradients(all, (float) (maxNorm / (norm + 1e-6)));
    }
    return norm;
  }

  /**
   * One update with learning rate {@code lr}, from the gradients attached to the parameters: one
   * call for the parameters with weight decay and one for those without (with fairl-native each a
   * single multi-tensor kernel on the GPU).
   */
  void step(double lr) {
    steps++;
    if (!decay.params.isEmpty()) {
      ops.adamwFromGradients(
          decay.params,
          decay.expAvg,
          decay.expAvgSq,
          new FusedOps.AdamW(lr, beta1, beta2, eps, weightDecay),
          steps);
    }
    if (!noDecay.params.isEmpty()) {
      ops.adamwFromGradients(
          noDecay.params,
          noDecay.expAvg,
          noDecay.expAvgSq,
          new FusedOps.AdamW(lr, beta1, beta2, eps, 0),
          steps);
    }
  }

  /**
   * Sets every gradient to zero, also where it holds NaN or Inf (after a skipped non-finite step;
   * subtracting a gradient from itself would leave NaN there for every later step).
   */
  void zeroNonFiniteGradients() {
    ops.zeroGradients(all);
  }

  /** Sets every gradient to zero. */
  void zeroGradients() {
    ops.zeroGradients(all);
  }

  /** First moments by parameter name (sharded checkpoints read and write them). */
  Map<String, NDArray> expAvg() {
    return expAvg;
  }

  /** Second moments by parameter name. */
  Map<String, NDArray> expAvgSq() {
    return expAvgSq;
  }

  /** The step count bias correction uses (after loading state from elsewhere). */
  void setSteps(long stepsTaken) {
    steps = stepsTaken;
  }

  static boolean decays(String name) {
    String n = name.toLowerCase(Locale.ROOT);
    return !n.endsWith("bias") && !n.contains("norm");
  }

  void save(Path file) throws IOException {
    NDList list = new NDList();
    for (String name : params.keySet()) {
      NDArray m = expAvg.get(name);
      NDArray v = expAvgSq.get(name);
      m.setName(name + ".exp_avg");
      v.setName(name + ".exp_avg_sq");
      list.add(m);
      list.add(v);
    }
    try (OutputStream out = Files.newOutputStream(file)) {
      list.encode(out, NDList.Encoding.SAFETENSORS);
    }
  }

  void load(Path file, long stepsTaken) throws IOException {
    try (NDManager tmp = manager.newSubManager();
        InputStream in = Files.newInputStream(file)) {
      NDList list = NDList.decode(tmp, in);
      Map<String, NDArray> byName = new LinkedHashMap<>();
      for (NDArray a : list) {
        byName.put(a.getName(), a);
      }
      for (String name : params.keySet()) {
        copy(byName, name + ".exp_avg", expAvg.get(name), file);
        copy(byName, name + ".exp_avg_sq", expAvgSq.get(name), file);
      }
    }
    steps = stepsTaken;
  }

  private static void copy(Map<String, NDArray> from, String key, NDArray into, Path file) {
    NDArray a = from.get(key);
    if (a == null || !a.getShape().equals(into.getShape())) {
      throw new IllegalStateException(
          file
              + ": optimizer state '"
              + key
              + "' is "
              + (a == null ? "missing" : "of shape " + a.getShape())
              + ", expected "
              + into.getShape()
              + "; the checkpoint belongs to a different model or LoRA setting");
    }
    into.set(a.toType(DataType.FLOAT32, false).toFloatArray());
  }

  @Override
  public void close() {
    manager.close();
  }
}
