package ai.fairl.model.lora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.fairl.engine.Scalars;
import ai.fairl.model.WeightStore;

/**
 * A frozen weight in 4 bits (QLoRA): block-wise absmax quantisation with blocks of 64 values, two
 * codes packed per byte (high nibble first), and optionally the absmax values themselves quantised
 * ("double quantisation").
 *
 * <p>Storage per {@code n} weights: {@code n/2} bytes of codes, plus {@code 4 n/64} bytes of fp32
 * absmax, or with double quantisation {@code n/64} bytes of int8 absmax plus one fp32 scale per 256
 * absmax values and one fp32 offset (the QLoRA paper's 0.5 to 0.127 bits per parameter).
 *
 * <p>Simplified against bitsandbytes: double quantisation uses symmetric linear int8 around the
 * mean absmax instead of bitsandbytes' dynamic 8-bit map; codes are chosen by nearest value. The
 * arithmetic runs on the store's device with NDArray ops; {@link #dense} dequantises to the compute
 * dtype (fp32 on CPU).
 */
public final class FourBitWeightStore implements WeightStore {
  /** Values per absmax block (bitsandbytes' default {@code blocksize} for 4-bit). */
  public static final int BLOCK = 64;

  /** Absmax values per second-level block under double quantisation. */
  public static final int BLOCK2 = 256;

  private final QuantType type;
  private final Shape shape;
  private final long count;
  private final NDArray packed; // (ceil(n / 64) * 32) uint8, two codes per byte
  private final NDArray absmax; // (blocks) fp32, or null under double quantisation
  private final NDArray absmaxQ; // (blocks) int8 under double quantisation, else null
  private final NDArray absmaxScale; // (ceil(blocks / 256)) fp32 under double quantisation
  private final float absmaxOffset;
  private final NDArray pairTable; // (256, 2) fp32: the two code values of each byte
  private final NDManager manager;

  private FourBitWeightStore(
      QuantType type,
      Shape shape,
      NDManager manager,
      NDArray packed,
      NDArray absmax,
      NDArray absmaxQ,
      NDArray absmaxScale,
      float absmaxOffset) {
    this.type = type;
    this.shape = shape;
    this.count = shape.size();
    this.manager = manager;
    this.packed = packed;
    this.absmax = absmax;
    this.absmaxQ = absmaxQ;
    this.absmaxScale = absmaxScale;
    this.absmaxOffset = absmaxOffset;
    float[] codes = type.codes();
    float[] pairs = new float[512];
    for (int byteValue = 0; byteValue < 256; byteValue++) {
      pairs[2 * byteValue] = codes[byteValue >> 4];
      pairs[2 * byteValue + 1] = codes[byteValue & 15];
    }
    this.pairTable = manager.create(pairs, new Shape(256, 2));
  }

  /**
   * Quantises {@code weight} (any float dtype). The store owns its own manager on the weight's
   * device; the caller still owns {@code weight}.
   */
  public static FourBitWeightStore quantize(NDArray weight, QuantType type, boolean doubleQuant) {
    Shape shape = weight.getShape();
    float[] w = weight.toType(DataType.FLOAT32, false).toFloatArray();
    int blocks = (int) ((w.length + BLOCK - 1) / BLOCK);
    float[] amax = new float[blocks];
    byte[] codes = new byte[blocks * BLOCK / 2];
    for (int b = 0; b < blocks; b++) {
      float m = 0;
      for (int i = b * BLOCK; i < Math.min(w.length, (b + 1) * BLOCK); i++) {
        m = Math.max(m, Math.abs(w[i]));
      }
      amax[b] = m;
    }
    NDManager manager = NDManager.newBaseManager(weight.getDevice());
    NDArray absmax = null;
    NDArray absmaxQ = null;
    NDArray absmaxScale = null;
    float offset = 0;
    float[] usedAmax = amax;
    if (doubleQuant) {
      double mean = 0;
      for (float a : amax) {
        mean += a;
      }
      offset = (float) (mean / blocks);
      int blocks2 = (blocks + BLOCK2 - 1) / BLOCK2;
      float[] scale = new float[blocks2];
      byte[] q = new byte[blocks];
      usedAmax = new float[blocks];
      for (int c = 0; c < blocks2; c++) {
        float m = 0;
        for (int i = c * BLOCK2; i < Math.min(blocks, (c + 1) * BLOCK2); i++) {
          m = Math.max(m, Math.abs(amax[i] - offset));
        }
        scale[c] = m / 127f;
        for (int i = c * BLOCK2; i < Math.min(blocks, (c + 1) * BLOCK2); i++) {
          int v = scale[c] == 0 ? 0 : Math.round((amax[i] - offset) / scale[c]);
          q[i] = (byte) Math.max(-127, Math.min(127, v));
          usedAmax[i] = q[i] * scale[c] + offset;
        }
      }
      absmaxQ = manager.create(q, new Shape(blocks)); // (blocks) int8
      absmaxScale = manager.create(scale); // (blocks2) fp32
    } else {
      absmax = manager.create(amax); // (blocks) fp32
    }
    for (int i = 0; i < blocks * BLOCK; i++) {
      int b = i / BLOCK;
      float x = i < w.length && usedAmax[b] > 0 ? w[i] / usedAmax[b] : 0f;
      int code = type.nearest(Math.max(-1f, Math.min(1f, x)));
      if ((i & 1) == 0) {
        codes[i / 2] = (byte) (code << 4);
      } else {
        codes[i / 2] = (byte) (codes[i / 2] | code);
      }
    }
    NDArray packed = manager.create(codes, new Shape(codes.length)).toType(DataType.UINT8, false);
    return new FourBitWeightStore(
        type, shape, manager, packed, absmax, absmaxQ, absmaxScale, offset);
  }

  /**
   * As {@link #quantize}, with tensor operations on the weight's device (no copy to the host):
   * block absmax, the same double quantisation, nearest code by the same comparisons in the same
   * order, two codes per byte. Gives the same bytes as {@link #quantize} (FourBitDeviceQuantTest);
   * the weight is read once, in chunks of rows, so a large weight needs a few times its fp32 size
   * of scratch at most. The caller still owns {@code weight}.
   */
  public static FourBitWeightStore quantizeTensor(
      NDArray weight, QuantType type, boolean doubleQuant) {
    return quantizeTensor(weight, type, doubleQuant, CHUNK_BLOCKS);
  }

  /** As {@link #quantizeTensor(NDArray, QuantType, boolean)}, {@code chunkBlocks} at a time. */
  static FourBitWeightStore quantizeTensor(
      NDArray weight, QuantType type, boolean doubleQuant, long chunkBlocks) {
    Shape shape = weight.getShape();
    long n = shape.size();
    long blocks = (n + BLOCK - 1) / BLOCK;
    NDManager manager = NDManager.newBaseManager(weight.getDevice());
    NDArray[] keep;
    float offset = 0;
    try (NDScope scope = new NDScope()) {
      NDArray w = weight.toType(DataType.FLOAT32, false).reshape(-1); // (n)
      if (blocks * BLOCK != n) {
        w = w.concat(w.getManager().zeros(new Shape(blocks * BLOCK - n), DataType.FLOAT32));
      }
      NDArray wb = w.reshape(blocks, BLOCK); // (blocks, 64)
      NDArray amax = wb.abs().max(new int[] {1}); // (blocks)
      NDArray used = amax;
      NDArray absmax = null;
      NDArray absmaxQ = null;
      NDArray absmaxScale = null;
      if (doubleQuant) {
        offset = (float) (amax.toType(DataType.FLOAT64, false).sum().getDouble() / blocks);
        long blocks2 = (blocks + BLOCK2 - 1) / BLOCK2;
        NDArray dev = amax.sub(offset); // (blocks), amax - offset in fp32
        NDArray devPad =
            blocks2 * BLOCK2 == blocks
                ? dev
                : dev.concat(dev.getManager().zeros(new Shape(blocks2 * BLOCK2 - blocks)));
        NDArray dev2 = devPad.reshape(blocks2, BLOCK2); // (blocks2, 256)
        NDArray m = dev2.abs().max(new int[] {1}); // (blocks2)
        // tensor-by-tensor division: a true fp32 division, as Java's m / 127f
        NDArray scale = m.div(m.getManager().full(m.getShape(), 127f)); // (blocks2)
        NDArray sc = scale.expandDims(1); // (blocks2, 1)
        NDArray r = dev2.div(sc); // (blocks2, 256)
        // Math.round(float): floor, then up when the fraction is at least one half
        NDArray fl = r.floor();
        NDArray rounded = fl.add(r.sub(fl).gte(0.5f).toType(DataType.FLOAT32, false));
        NDArray q =
            NDArrays.where(
                sc.eq(0f).broadcast(rounded.getShape()),
                rounded.zerosLike(),
                rounded.clip(-127, 127)); // (blocks2, 256), integral values
        NDArray usedAll = q.mul(sc).add(offset).reshape(-1); // (blocks2 * 256)
        NDArray qFlat = q.reshape(-1);
        if (blocks2 * BLOCK2 != blocks) {
          usedAll = usedAll.get("0:" + blocks);
          qFlat = qFlat.get("0:" + blocks);
        }
        used = usedAll;
        absmaxQ = qFlat.toType(DataType.INT8, false); // (blocks)
        absmaxScale = scale; // (blocks2)
      } else {
        absmax = amax; // (blocks)
      }
      NDArray packed = packCodes(wb, used, type, chunkBlocks);
      keep = new NDArray[] {packed, absmax, absmaxQ, absmaxScale};
      for (NDArray k : keep) {
        if (k != null) {
          NDScope.unregister(k);
          k.attach(manager);
        }
      }
    } catch (RuntimeException e) {
      manager.close();
      throw e;
    }
    return new FourBitWeightStore(type, shape, manager, keep[0], keep[1], keep[2], keep[3], offset);
  }

  /** Blocks per chunk of the code search: 2^20 values, so its scratch stays a few MB. */
  private static final long CHUNK_BLOCKS = (1L << 20) / BLOCK;

  /**
   * The packed codes (blocks * 32) uint8 of {@code wb} (blocks, 64) fp32 against the block absmax
   * {@code used} (blocks), chunk by chunk; each chunk's scratch is freed before the next.
   */
  private static NDArray packCodes(NDArray wb, NDArray used, QuantType type, long chunkBlocks) {
    long blocks = wb.getShape().get(0);
    float[] codes = type.codes();
    java.util.List<NDArray> parts = new java.util.ArrayList<>();
    for (long c0 = 0; c0 < blocks; c0 += chunkBlocks) {
      long c1 = Math.min(blocks, c0 + chunkBlocks);
      try (NDScope scope = new NDScope()) {
        NDArray wc = wb.get(c0 + ":" + c1); // (chunk, 64)
        NDArray u = used.get(c0 + ":" + c1).expandDims(1); // (chunk, 1)
        NDArray positive = u.gt(0f).broadcast(wc.getShape());
        NDArray x = NDArrays.where(positive, wc.div(u), wc.zerosLike()).clip(-1, 1);
        NDArray best = x.getManager().zeros(x.getShape(), DataType.INT32); // (chunk, 64)
        NDArray bestDist = x.sub(codes[0]).abs();
        for (int i = 1; i < codes.length; i++) {
          NDArray d = x.sub(codes[i]).abs();
          NDArray better = d.lt(bestDist); // strictly nearer, as QuantType.nearest
          NDArray code = x.getManager().full(x.getShape(), i, DataType.INT32);
          NDArray nb = NDArrays.where(better, code, best);
          NDArray nd = NDArrays.where(better, d, bestDist);
          for (NDArray t : new NDArray[] {d, better, code, best, bestDist}) {
            t.close();
          }
          best = nb;
          bestDist = nd;
        }
        NDArray pairs = best.reshape(-1, 2); // (chunk * 32, 2): high nibble first
        NDArray part =
            Scalars.mul(pairs.get(":, 0"), 16).add(pairs.get(":, 1")).toType(DataType.UINT8, false);
        NDScope.unregister(part);
        parts.add(part);
      }
    }
    if (parts.size() == 1) {
      return parts.get(0);
    }
    NDArray all = NDArrays.concat(new ai.djl.ndarray.NDList(parts)); // (blocks * 32)
    for (NDArray p : parts) {
      p.close();
    }
    return all;
  }

  /** {packed codes, absmax or null, int8 absmax or null, absmax scales or null} (tests). */
  NDArray[] parts() {
    return new NDArray[] {packed, absmax, absmaxQ, absmaxScale};
  }

  float absmaxOffset() {
    return absmaxOffset;
  }

  public QuantType type() {
    return type;
  }

  public boolean doubleQuant() {
    return absmaxQ != null;
  }

  @Override
  public NDArray dense(DataType computeType) {
    // one lookup per byte in a (256, 2) table of {high code's value, low code's value}
    NDArray idx = packed.toType(DataType.INT64, false); // (n_pad / 2)
    NDArray values = pairTable.get(idx).reshape(-1); // (n_pad) fractions of absmax
    NDArray amax = blockAbsmax(); // (blocks)
    NDArray w = values.reshape(amax.getShape().get(0), BLOCK).mul(amax.expandDims(1));
    NDArray flat = w.reshape(-1);
    if (flat.getShape().get(0) != count) {
      flat = flat.get("0:" + count);
    }
    NDArray out = flat.reshape(shape); // (out_features, in_features)
    return computeType == DataType.FLOAT32 ? out : out.toType(computeType, false);
  }

  private NDArray blockAbsmax() {
    if (absmax != null) {
      return absmax;
    }
    long blocks = absmaxQ.getShape().get(0);
    long blocks2 = absmaxScale.getShape().get(0);
    NDArray q = absmaxQ.toType(DataType.FLOAT32, false); // (blocks)
    NDArray scale = absmaxScale.repeat(0, BLOCK2); // (blocks2 * 256)
    if (blocks2 * BLOCK2 != blocks) {
      scale = scale.get("0:" + blocks);
    }
    return q.mul(scale).add(absmaxOffset);
  }

  @Override
  public long storageBytes() {
    long bytes = packed.size();
    if (absmax != null) {
      bytes += absmax.size() * 4;
    } else {
      bytes += absmaxQ.size() + absmaxScale.size() * 4 + 4;
    }
    return bytes;
  }

  /** Storage bytes a {@code count}-value weight takes in this format, without building it. */
  public static long storageBytes(long count, boolean doubleQuant) {
    long blocks = (count + BLOCK - 1) / BLOCK;
    long bytes = blocks * BLOCK / 2;
    if (!doubleQuant) {
      return bytes + blocks * 4;
    }
    return bytes + blocks + ((blocks + BLOCK2 - 1) / BLOCK2) * 4 + 4;
  }

  @Override
  public void close() {
    manager.close();
  }
}
