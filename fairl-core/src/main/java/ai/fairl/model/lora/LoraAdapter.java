package ai.fairl.model.lora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.norm.Dropout;
import ai.fairl.engine.Scalars;
import ai.fairl.model.LowRankAdapter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * A LoRA branch (Hu et al. 2021): {@code y = base(x) + (alpha / r) * dropout(x) A^T B^T} with
 * {@code A} (r, in) and {@code B} (out, r), both fp32 master weights. Initialised as PEFT does:
 * {@code A ~ U(-1/sqrt(in), 1/sqrt(in))} (kaiming-uniform with a = sqrt(5)), {@code B = 0}, so a
 * fresh adapter leaves the model unchanged.
 */
public final class LoraAdapter implements LowRankAdapter {
  private final NDArray a; // (r, in)
  private final NDArray b; // (out, r)
  private final float scaling;
  private final float dropout;

  LoraAdapter(NDArray a, NDArray b, double scaling, double dropout) {
    this.a = a;
    this.b = b;
    this.scaling = (float) scaling;
    this.dropout = (float) dropout;
  }

  /** A fresh adapter for a (out, in) projection, its tensors in {@code manager}. */
  public static LoraAdapter create(
      NDManager manager, int in, int out, LoraConfig config, Random random) {
    int r = config.r();
    float bound = (float) (1.0 / Math.sqrt(in));
    float[] av = new float[r * in];
    for (int i = 0; i < av.length; i++) {
      av[i] = (random.nextFloat() * 2 - 1) * bound;
    }
    NDArray a = manager.create(av, new Shape(r, in));
    NDArray b = manager.zeros(new Shape(out, r), DataType.FLOAT32);
    a.setRequiresGradient(true);
    b.setRequiresGradient(true);
    return new LoraAdapter(a, b, config.scaling(), config.dropout());
  }

  /** An adapter from saved tensors (PEFT load); they get gradients attached. */
  public static LoraAdapter of(NDArray a, NDArray b, LoraConfig config) {
    a.setRequiresGradient(true);
    b.setRequiresGradient(true);
    return new LoraAdapter(a, b, config.scaling(), config.dropout());
  }

  @Override
  public NDArray apply(NDArray input, NDArray baseOutput, boolean training) {
    NDArray x = input;
    if (training && dropout > 0) {
      x = Dropout.dropout(x, dropout, true).singletonOrThrow();
    }
    NDArray aw = castFor(a, input);
    NDArray bw = castFor(b, input);
    NDArray down = x.matMul(aw.transpose()); // (batch, seq, r)
    NDArray up = down.matMul(bw.transpose()); // (batch, seq, out)
    return baseOutput.add(Scalars.mul(up, scaling));
  }

  /**
   * The fp32 master {@code w} in {@code input}'s dtype; a cast belongs to the input's manager (the
   * step), not to the adapter's, so a bf16 forward outside a scope (generation) leaves nothing
   * behind. Gradients flow back through the cast into the master.
   */
  private static NDArray castFor(NDArray w, NDArray input) {
    if (w.getDataType() == input.getDataType()) {
      return w;
    }
    NDArray c = w.toType(input.getDataType(), false);
    c.attach(input.getManager());
    return c;
  }

  /** {@code lora_A.weight} (r, in) and {@code lora_B.weight} (out, r). */
  @Override
  public Map<String, NDArray> trainableParameters() {
    Map<String, NDArray> m = new LinkedHashMap<>();
    m.put("lora_A.weight", a);
    m.put("lora_B.weight", b);
    return m;
  }

  /** The dense update {@code (alpha / r) B A}, (out, in), for merging into the base weight. */
  public NDArray delta() {
    return Scalars.mul(b.matMul(a), scaling);
  }

  @Override
  public NDArray a() {
    return a;
  }

  @Override
  public NDArray b() {
    return b;
  }

  @Override
  public double scaling() {
    return scaling;
  }

  @Override
  public boolean plainLowRank(boolean training) {
    return !training || dropout == 0;
  }
}
