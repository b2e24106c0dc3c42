package ai.fairl.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One projection {@code y = x W^T (+ b)} of the transformer, named by its Hugging Face/PEFT module
 * path (e.g. {@code model.layers.0.self_attn.q_proj}). The weight lives in a {@link WeightStore}
 * (plain by default; LoRA/QLoRA swap in a quantised store), followed by any number of {@link
 * LinearAdapter}s. {@link #setAdaptersEnabled(boolean) Disabling} the adapters gives the frozen
 * reference model that DPO and GRPO need without a second copy of the weights.
 *
 * <p>Ownership: a store other than {@link PlainWeightStore} must return a fresh array from {@link
 * WeightStore#dense} (not a cached one): the projection runs it inside an {@link NDScope} and
 * attaches the result to the input's manager, so it is freed with the step.
 */
public final class Linear implements AutoCloseable {
  private final String name;
  private final int inFeatures;
  private final int outFeatures;
  private WeightStore store;
  private final NDArray bias; // (out_features) or null
  private final List<LinearAdapter> adapters = new ArrayList<>();
  private boolean adaptersEnabled = true;

  public Linear(String name, WeightStore store, NDArray bias, int inFeatures, int outFeatures) {
    this.name = name;
    this.store = store;
    this.bias = bias;
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    if (bias != null && !bias.getShape().equals(new Shape(outFeatures))) {
      throw new IllegalArgumentException(
          name + ".bias must have shape (" + outFeatures + "), got " + bias.getShape());
    }
  }

  /** The HF module path, e.g. {@code model.layers.0.mlp.down_proj}. */
  public String name() {
    return name;
  }

  public int inFeatures() {
    return inFeatures;
  }

  public int outFeatures() {
    return outFeatures;
  }

  public WeightStore weightStore() {
    return store;
  }

  /** Replaces the weight store (e.g. with an NF4 one); the old store is returned, not closed. */
  public WeightStore setWeightStore(WeightStore newStore) {
    WeightStore old = store;
    store = newStore;
    return old;
  }

  /** The bias, (out_features), or null. */
  public NDArray bias() {
    return bias;
  }

  /** Appends an adapter applied after the base projection. */
  public void addAdapter(LinearAdapter adapter) {
    adapters.add(adapter);
  }

  /** Removes every adapter and returns them (the caller closes what it owns). */
  public List<LinearAdapter> clearAdapters() {
    List<LinearAdapter> out = List.copyOf(adapters);
    adapters.clear();
    return out;
  }

  public List<LinearAdapter> adapters() {
    return Collections.unmodifiableList(adapters);
  }

  /** When false, {@link #forward} ignores the adapters: the frozen base (reference) model. */
  public void setAdaptersEnabled(boolean enabled) {
    adaptersEnabled = enabled;
  }

  public boolean adaptersEnabled() {
    return adaptersEnabled;
  }

  /**
   * Applies the projection.
   *
   * @param x (..., in_features)
   * @return (..., out_features), owned by {@code x}'s manager
   */
  public NDArray forward(NDArray x, boolean training) {
    NDArray y = ai.djl.nn.core.Linear.linear(x, weightFor(x), biasFor(x)).singletonOrThrow();
    if (adaptersEnabled) {
      for (LinearAdapter a : adapters) {
        y = a.apply(x, y, training);
      }
    }
    return y; // (..., out)
  }

  /** The weight (out, in) in {@code x}'s dtype: the stored one, or a fresh array of x's step. */
  NDArray weightFor(NDArray x) {
    if (store instanceof PlainWeightStore p && p.weight().getDataType() == x.getDataType()) {
      return p.weight();
    }
    // a quantised store computes a fresh dense weight: its intermediates die with this scope and
    // the weight itself belongs to the step (x's manager), so nothing accumulates on the model
    NDArray w;
    try (NDScope scope = new NDScope()) {
      w = store.dense(x.getDataType());
      NDScope.unregister(w);
    }
    w.attach(x.getManager());
    return w;
  }

  /** The bias (out) in {@code x}'s dtype, or null. */
  NDArray biasFor(NDArray x) {
    NDArray b = bias;
    if (bias != null && bias.getDataType() != x.getDataType()) {
      b = bias.toType(x.getDataType(), false);
      b.attach(x.getManager()); // the cast belongs to this step, not to the model
    }
    return b;
  }

  /** Whether {@link #forward} would apply any adapter. */
  boolean hasActiveAdapters() {
    return adaptersEnabled && !adapters.isEmpty();
  }

  /** The adapters' trainable tensors, named {@code <module>.<suffix>}. */
  public Map<String, NDArray> adapterParameters() {
    Map<String, NDArray> out = new LinkedHashMap<>();
    for (LinearAdapter a : adapters) {
      a.trainableParameters().forEach((k, v) -> out.put(name + "." + k, v));
    }
    return out;
  }

  @Override
  public void close() {
    store.close();
    if (bias != null) {
      bias.close();
    }
  }

  @Override
  public String toString() {
    return "Linear("
        + name
        + ", "
        + inFeatures
        + " -> "
        + outFeatures
        + (bias != null ? ", bias" : "")
        + ", adapters="
        + adapters.size()
        + ")";
  }
}
