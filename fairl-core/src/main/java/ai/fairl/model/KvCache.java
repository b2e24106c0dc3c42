package ai.fairl.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * Keys and values of past positions, per decoder layer, (batch, kv_heads, length, head_dim). Owns
 * its arrays through its own manager; close it when the generation ends. Simplified: it grows by
 * concatenation (one copy per step), which is fine at the lengths we generate on CPU.
 */
public final class KvCache implements AutoCloseable {
  private final NDManager manager;
  private final NDArray[] keys;
  private final NDArray[] values;
  private int length;

  public KvCache(NDManager parent, int numLayers) {
    this.manager = parent.newSubManager();
    this.keys = new NDArray[numLayers];
    this.values = new NDArray[numLayers];
  }

  /** Positions held (the same for every layer once a forward pass has finished). */
  public int length() {
    return length;
  }

  /**
   * Appends this step's keys and values for {@code layer} and returns the full ones.
   *
   * @param k (batch, kv_heads, seq, head_dim)
   * @param v (batch, kv_heads, seq, head_dim)
   * @return {keys, values}, each (batch, kv_heads, past + seq, head_dim), owned by the cache
   */
  NDArray[] append(int layer, NDArray k, NDArray v) {
    NDArray nk;
    NDArray nv;
    if (keys[layer] == null) {
      nk = k.duplicate();
      nv = v.duplicate();
    } else {
      nk = keys[layer].concat(k, 2);
      nv = values[layer].concat(v, 2);
      keys[layer].close();
      values[layer].close();
    }
    nk.attach(manager);
    nv.attach(manager);
    keys[layer] = nk;
    values[layer] = nv;
    if (layer == keys.length - 1) {
      length = (int) nk.getShape().get(2);
    }
    return new NDArray[] {nk, nv};
  }

  /** {keys, values} of one layer, (batch, kv_heads, length, head_dim) each, owned by the cache. */
  NDArray[] layer(int i) {
    return new NDArray[] {keys[i], values[i]};
  }

  /** Arrays the cache's manager holds (tests check that it stays at 2 per layer). */
  int managedArrays() {
    return manager.getManagedArrays().size();
  }

  @Override
  public void close() {
    manager.close();
  }
}
