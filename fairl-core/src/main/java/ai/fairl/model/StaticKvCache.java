package ai.fairl.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * A KV cache of fixed capacity for single-token decoding with static shapes: per layer, keys and
 * values of shape (batch, kv_heads, capacity, head_dim), allocated once and written in place at a
 * slot held in a device tensor ({@link TransformerModel#decodeStatic}). Nothing in a decode step
 * depends on a host-side length, so the step can be captured once as a CUDA graph and replayed per
 * token.
 *
 * <p>Slot {@code j} holds column {@code j} of the left-padded sequence (prompt columns first, then
 * the generated tokens); which slots a query may read is the caller's key mask. Slots never written
 * hold zeros and are always masked out.
 */
public final class StaticKvCache implements AutoCloseable {
  private final NDManager manager;
  private final NDArray[] keys; // (batch, kv_heads, capacity, head_dim) per layer
  private final NDArray[] values;
  private final NDArray invFreq; // (1, 1, head_dim / 2) fp32: rotary frequencies, on the device
  private final int batch;
  private final int capacity;

  StaticKvCache(
      NDManager parent, TransformerConfig c, DataType dtype, int batch, int capacity, float[] inv) {
    if (batch < 1 || capacity < 1) {
      throw new IllegalArgumentException(
          "a static KV cache needs batch >= 1 and capacity >= 1, got " + batch + ", " + capacity);
    }
    this.manager = parent.newSubManager();
    this.batch = batch;
    this.capacity = capacity;
    this.keys = new NDArray[c.numLayers()];
    this.values = new NDArray[c.numLayers()];
    Shape s = new Shape(batch, c.numKvHeads(), capacity, c.headDim());
    for (int i = 0; i < keys.length; i++) {
      keys[i] = manager.zeros(s, dtype);
      values[i] = manager.zeros(s, dtype);
    }
    this.invFreq = manager.create(inv, new Shape(1, 1, inv.length));
  }

  public int batch() {
    return batch;
  }

  /** Slots per row. */
  public int capacity() {
    return capacity;
  }

  /** The manager that owns the buffers (on the model's device). */
  public NDManager manager() {
    return manager;
  }

  NDArray invFreq() {
    return invFreq;
  }

  /**
   * Copies a prefix (from a prefill through the dynamic {@link KvCache}) into slots {@code [0,
   * length)} of every layer.
   */
  public void load(KvCache prefix) {
    int len = prefix.length();
    if (len > capacity) {
      throw new IllegalArgumentException(
          "prefill of " + len + " positions does not fit a static cache of " + capacity);
    }
    for (int i = 0; i < keys.length; i++) {
      NDArray[] kv = prefix.layer(i);
      keys[i].set(new NDIndex(":, :, 0:" + len), kv[0].toType(keys[i].getDataType(), false));
      values[i].set(new NDIndex(":, :, 0:" + len), kv[1].toType(values[i].getDataType(), false));
    }
  }

  /**
   * Writes this step's key and value at {@code slot} in place and returns the layer's full buffers.
   *
   * @param k (batch, kv_heads, 1, head_dim)
   * @param v (batch, kv_heads, 1, head_dim)
   * @param slot (1) int64, on the device
   */
  NDArray[] write(int layer, NDArray k, NDArray v, NDArray slot) {
    NDArray kb = keys[layer];
    NDArray vb = values[layer];
    kb.set(new NDIndex(":, :, {}", slot), k.toType(kb.getDataType(), false));
    vb.set(new NDIndex(":, :, {}", slot), v.toType(vb.getDataType(), false));
    return new NDArray[] {kb, vb};
  }

  @Override
  public void close() {
    manager.close();
  }
}
