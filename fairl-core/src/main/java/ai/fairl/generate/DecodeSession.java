package ai.fairl.generate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.fairl.engine.CudaGraph;
import ai.fairl.model.KvCache;
import ai.fairl.model.Linear;
import ai.fairl.model.LinearAdapter;
import ai.fairl.model.StaticKvCache;
import ai.fairl.model.TransformerModel;
import java.util.ArrayList;
import java.util.List;

/**
 * The device state of one generation shape (batch, cache capacity, sampling settings): a {@link
 * StaticKvCache}, the step's inputs as device tensors updated in place (the token ids, the slot
 * {@code cur} being written, the draw counter, each row's prompt padding) and the {@link
 * DeviceSampler}. A decode step ({@link #step}) derives everything else on the device: the rotary
 * position {@code cur - padCount}, the key mask {@code slot <= cur && not padding} (and the sliding
 * window), the logits, the chosen token and its log-prob; it then writes the token into the ids
 * buffer and advances {@code cur} and the counter. It never synchronises with the host, so on CUDA
 * it is captured once as a graph ({@link CudaGraph}) and replayed per token; on the CPU (or without
 * graphs) the same code runs eagerly. Only the chosen ids and log-probs are copied out.
 *
 * <p>With graphs the session outlives a call: a later call with the same {@link Key} (shape,
 * sampling settings, and the identity of the model's parameter tensors, kernels and adapters)
 * replays the same graph. Parameters updated in place (optimizers) are seen by the replay; a
 * replaced parameter tensor changes the key.
 */
final class DecodeSession implements AutoCloseable {
  /** What a captured graph depends on. */
  record Key(
      int batch, int capacity, double temperature, int topK, double topP, List<Object> model) {}

  /** One token per row: ids and raw-model log-probs, copied to the host. */
  record Chosen(long[] ids, float[] logProbs) {}

  final Key key;
  private final TransformerModel model;
  private final NDManager manager;
  private final StaticKvCache cache;
  private final DeviceSampler sampler;
  private final int batch;
  private final int capacity;
  private final NDArray ids; // (b, 1) int64: the token to feed next
  private final NDArray cur; // (1) int64: its slot (column)
  private final NDArray counter; // (1) int64: draws so far
  private final NDArray padCount; // (b, 1) int64: prompt padding columns per row
  private final NDArray padMask; // (b, capacity) bool: false on prompt padding
  private final NDArray slots; // (1, capacity) int64: 0 .. capacity - 1
  private final NDArray one; // () int64
  private final NDArray window; // () int64, or null: sliding window
  private final boolean graphs;
  private CudaGraph graph;
  private NDArray outIds; // graph outputs, (b) int64 and (b) fp32
  private NDArray outLp;

  DecodeSession(Key key, TransformerModel model, GenerationConfig cfg, boolean graphs) {
    this.key = key;
    this.model = model;
    this.batch = key.batch();
    this.capacity = key.capacity();
    this.graphs = graphs;
    this.manager = model.manager().newSubManager();
    try {
      this.cache = model.newStaticCache(manager, batch, capacity);
      this.sampler = new DeviceSampler(manager, cfg, batch, model.config().vocabSize());
      this.ids = manager.zeros(new Shape(batch, 1), DataType.INT64);
      this.cur = manager.zeros(new Shape(1), DataType.INT64);
      this.counter = manager.zeros(new Shape(1), DataType.INT64);
      this.padCount = manager.zeros(new Shape(batch, 1), DataType.INT64);
      this.padMask = manager.ones(new Shape(batch, capacity), DataType.BOOLEAN);
      this.slots = manager.arange(0, capacity, 1, DataType.INT64).reshape(1, capacity);
      this.one = manager.create(1L);
      int w = model.config().slidingWindow();
      this.window = w > 0 && w < capacity ? manager.create((long) w) : null;
    } catch (RuntimeException e) {
      manager.close();
      throw e;
    }
  }

  /** The key of a generation: the shape, the sampling settings and (for graphs) the model. */
  static Key key(TransformerModel m, int batch, int capacity, GenerationConfig c, boolean graphs) {
    return new Key(
        batch, capacity, c.temperature(), c.topK(), c.topP(), graphs ? fingerprint(m) : List.of());
  }

  /**
   * What a captured step bakes in: the compute dtype, kernels, and the identity of every parameter
   * tensor, weight store and adapter (and whether adapters are on).
   */
  static List<Object> fingerprint(TransformerModel m) {
    List<Object> f = new ArrayList<>();
    f.add(m);
    f.add(m.computeType());
    f.add(m.attentionKernel());
    f.add(m.normKernel());
    for (NDArray p : m.parameters().values()) {
      f.add(identity(p));
    }
    for (Linear l : m.linears().values()) {
      f.add(l.weightStore());
      f.add(l.adaptersEnabled());
      for (LinearAdapter a : l.adapters()) {
        f.add(a);
      }
    }
    for (NDArray p : m.adapterParameters().values()) {
      f.add(identity(p));
    }
    return f;
  }

  private static Object identity(NDArray a) {
    return a instanceof PtNDArray pt ? (Object) pt.getHandle() : (Object) a;
  }

  boolean usesGraph() {
    return graphs;
  }

  /**
   * Prefill: runs the left-padded prompts through the model with a dynamic cache, copies the keys
   * and values into the static cache, resets the step state and chooses the first token.
   *
   * @param paddedIds (batch, promptLen) row-major, left-padded
   * @param mask (batch, promptLen) 1 for prompt tokens, 0 for padding
   */
  Chosen prefill(long[] paddedIds, long[] mask, int promptLen, long seed) {
    if (promptLen >= capacity) {
      throw new IllegalArgumentException(
          "prompt length " + promptLen + " leaves no room in a cache of " + capacity);
    }
    try (NDManager sm = manager.newSubManager();
        KvCache kv = model.newCache(sm)) {
      NDArray idArr = sm.create(paddedIds, new Shape(batch, promptLen));
      NDArray maskArr = sm.create(mask, new Shape(batch, promptLen));
      NDArray logits =
          model
              .forward(idArr, maskArr, null, kv, false, 1)
              .logits()
              .reshape(batch, model.config().vocabSize()); // (b, vocab) fp32
      cache.load(kv);
      long[] pads = new long[batch];
      boolean[] keep = new boolean[batch * capacity];
      java.util.Arrays.fill(keep, true);
      for (int r = 0; r < batch; r++) {
        for (int j = 0; j < promptLen && mask[r * promptLen + j] == 0; j++) {
          pads[r]++;
          keep[r * capacity + j] = false;
        }
      }
      padCount.set(new NDIndex(":"), sm.create(pads, new Shape(batch, 1)));
      padMask.set(new NDIndex(":"), sm.create(keep, new Shape(batch, capacity)));
      cur.set(new NDIndex(":"), sm.create(new long[] {promptLen}, new Shape(1)));
      counter.set(new NDIndex(":"), sm.create(new long[] {0}, new Shape(1)));
      sampler.reseed(sm, seed);
      NDArray[] sel = sampler.select(sm, logits, counter);
      ids.set(new NDIndex(":"), sel[0].reshape(batch, 1));
      counter.addi(one);
      return host(sel);
    }
  }

  /** One decode step: feeds the last chosen tokens and chooses the next ones. */
  Chosen next() {
    if (!graphs) {
      try (NDManager sm = manager.newSubManager()) {
        return host(step(sm));
      }
    }
    if (graph != null) {
      graph.replay();
      return host(new NDArray[] {outIds, outLp});
    }
    return capture();
  }

  /** Runs the step eagerly on the graph's side stream (warm-up), then captures it. */
  private Chosen capture() {
    CudaGraph g = CudaGraph.create(model.device().getDeviceId());
    boolean ok = false;
    try {
      g.sideStream(true);
      Chosen first;
      try (NDManager sm = manager.newSubManager()) {
        first = host(step(sm));
      }
      NDManager cm = manager.newSubManager();
      try {
        g.captureBegin();
        NDArray[] sel;
        try {
          sel = step(cm);
        } catch (RuntimeException e) {
          try {
            g.captureEnd();
          } catch (RuntimeException suppressed) {
            e.addSuppressed(suppressed);
          }
          throw e;
        }
        g.captureEnd();
        sel[0].attach(manager);
        sel[1].attach(manager);
        outIds = sel[0];
        outLp = sel[1];
      } finally {
        cm.close(); // the step's intermediates go back to the graph's private pool
      }
      g.sideStream(false);
      graph = g;
      ok = true;
      return first;
    } finally {
      if (!ok) {
        g.close();
      }
    }
  }

  /**
   * The static decode step, on device tensors only (see the class comment).
   *
   * @return {ids (b) int64, log-probs (b) fp32}, owned by {@code sm}
   */
  private NDArray[] step(NDManager sm) {
    NDArray pos = home(cur.sub(padCount), sm); // (b, 1)
    NDArray allowed = home(slots.lte(cur), sm).logicalAnd(padMask); // (b, capacity)
    if (window != null) {
      NDArray lo = home(cur.sub(window), sm);
      allowed = allowed.logicalAnd(home(slots.gt(lo), sm));
    }
    NDArray logits = model.decodeStatic(sm, ids, pos, allowed, cur, cache); // (b, vocab)
    NDArray[] sel = sampler.select(sm, logits, counter);
    ids.set(new NDIndex(":"), sel[0].reshape(batch, 1));
    cur.addi(one);
    counter.addi(one);
    return sel;
  }

  private static NDArray home(NDArray a, NDManager m) {
    a.attach(m);
    return a;
  }

  private static Chosen host(NDArray[] sel) {
    return new Chosen(sel[0].toLongArray(), sel[1].toFloatArray());
  }

  @Override
  public void close() {
    try {
      if (graph != null) {
        graph.close();
        graph = null;
      }
    } finally {
      manager.close();
    }
  }
}
