package ai.fairl.generate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.fairl.engine.Scalars;
import java.util.SplittableRandom;

/**
 * Token choice on the model's device: only the chosen ids and their log-probs leave it. Greedy is
 * the first index of the maximum (as torch.argmax); sampling applies temperature, then top-k, then
 * top-p (on the renormalised top-k distribution, as transformers' warpers do) and draws by
 * Gumbel-max: {@code argmax(logits / T + g)} with {@code g = -log(-log(u))} is an exact draw from
 * {@code softmax(logits / T)} over the kept tokens.
 *
 * <p>The uniforms {@code u} come from a counter-based hash of (row key, step, candidate) computed
 * with int64 tensor arithmetic modulo the prime 2^31 - 1 (two squarings and three affine maps), so
 * that a step needs no random-generator state, runs identically on the CPU and in a CUDA graph, and
 * a row's draws depend only on the seed and its row index, not on the rest of the batch. Row keys
 * come from {@link SplittableRandom} seeded as the host sampler was. Top-k/top-p draws index the
 * noise by rank among the candidates.
 *
 * <p>Simplified: the top-p cumulative sum runs in fp32 (the host sampler used double), which can
 * move the cut by one token where the cumulative probability is within ~1e-7 of top_p.
 *
 * <p>Every constant is a device tensor made at construction, so {@link #select} makes nothing from
 * host memory (a requirement of CUDA graph capture).
 */
final class DeviceSampler {
  static final long P = 2147483647L; // 2^31 - 1, prime
  private static final long C1 = 40503;
  private static final long C2 = 69069;
  private static final long C3 = 48271;
  private static final long C4 = 12345;
  private static final long C5 = 16807;
  private static final long C6 = 1103515245L;

  private final GenerationConfig cfg;
  private final int batch;
  private final int vocab;
  private final NDArray rowKey; // (batch, 1) int64 in [0, P)
  private final NDArray idx; // (1, vocab) int64: candidate index
  private final NDArray p;
  private final NDArray c1;
  private final NDArray c2;
  private final NDArray c3;
  private final NDArray c4;
  private final NDArray c5;
  private final NDArray c6;
  private final NDArray half; // float64 0.5
  private final NDArray pd; // float64 P

  /** Constants live in {@code owner} (on the model's device). */
  DeviceSampler(NDManager owner, GenerationConfig cfg, int batch, int vocab) {
    this.cfg = cfg;
    this.batch = batch;
    this.vocab = vocab;
    this.rowKey = owner.zeros(new Shape(batch, 1), DataType.INT64);
    this.idx = owner.arange(0, vocab, 1, DataType.INT64).reshape(1, vocab);
    this.p = owner.create(P);
    this.c1 = owner.create(C1);
    this.c2 = owner.create(C2);
    this.c3 = owner.create(C3);
    this.c4 = owner.create(C4);
    this.c5 = owner.create(C5);
    this.c6 = owner.create(C6);
    this.half = owner.create(0.5);
    this.pd = owner.create((double) P);
  }

  /** Row keys for {@code seed}: row {@code r} draws from its own stream. */
  static long[] rowKeys(long seed, int batch) {
    long[] k = new long[batch];
    for (int r = 0; r < batch; r++) {
      SplittableRandom rng = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + r);
      k[r] = Math.floorMod(rng.nextLong(), P);
    }
    return k;
  }

  /** Sets the row keys in place (outside a captured step). */
  void reseed(NDManager scratch, long seed) {
    rowKey.set(new NDIndex(":"), scratch.create(rowKeys(seed, batch), new Shape(batch, 1)));
  }

  /**
   * Chooses one token per row.
   *
   * @param step owns what this creates
   * @param logits (batch, vocab) fp32
   * @param counter (1) int64: which draw this is (the step number), on the device
   * @return {ids (batch) int64, log_softmax(logits)[id] (batch) fp32}
   */
  NDArray[] select(NDManager step, NDArray logits, NDArray counter) {
    NDArray ids;
    if (cfg.isGreedy()) {
      ids = logits.argMax(1);
    } else {
      NDArray z = cfg.temperature() == 1.0 ? logits : Scalars.div(logits, cfg.temperature());
      int k = cfg.topK() > 0 && cfg.topK() < vocab ? cfg.topK() : 0;
      if (k == 0 && cfg.topP() >= 1.0) {
        ids = z.add(gumbel(step, counter, vocab)).argMax(1);
      } else {
        NDArray vals; // (batch, n), descending
        NDArray order; // (batch, n) token ids
        if (k > 0) {
          NDList tk = z.topK(k, 1, true, true);
          vals = tk.get(0);
          order = tk.get(1);
        } else {
          order = z.argSort(1, false);
          vals = z.gather(order, 1);
        }
        if (cfg.topP() < 1.0) {
          NDArray probs = vals.softmax(1);
          NDArray before = probs.cumSum(1).sub(probs); // mass of the better-ranked candidates
          NDArray drop = before.gte(Scalars.of(before, cfg.topP())).toType(DataType.FLOAT32, false);
          vals = vals.add(Scalars.mul(drop, -1e30));
        }
        NDArray pick = vals.add(gumbel(step, counter, vals.getShape().get(1))).argMax(1); // (b)
        ids = order.gather(pick.reshape(batch, 1), 1).reshape(batch);
      }
    }
    ids = ids.toType(DataType.INT64, false);
    NDArray lp = logits.logSoftmax(1).gather(ids.reshape(batch, 1), 1).reshape(batch);
    return new NDArray[] {ids, lp};
  }

  /** Gumbel noise (batch, n) fp32 for draw {@code counter}, from the hash of the class comment. */
  NDArray gumbel(NDManager step, NDArray counter, long n) {
    NDArray key = home(rowKey.add(home(counter.mul(c1), step)), step).mod(p); // (b, 1)
    NDArray i = n == vocab ? idx : home(idx.get(new NDIndex(":, :{}", n)), step);
    NDArray x = home(i.mul(c2), step).add(key).mod(p); // (b, n)
    x = x.mul(x).add(key).mod(p);
    x = x.mul(c3).add(c4).mod(p);
    x = x.mul(x).add(c5).mod(p);
    x = x.mul(c6).add(key).mod(p);
    NDArray u = x.toType(DataType.FLOAT64, false).add(half).div(pd); // in (0, 1)
    return u.log().neg().log().neg().toType(DataType.FLOAT32, false);
  }

  private static NDArray home(NDArray a, NDManager m) {
    a.attach(m);
    return a;
  }
}
