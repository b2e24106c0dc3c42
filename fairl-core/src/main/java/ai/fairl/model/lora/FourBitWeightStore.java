package ai.fairl.model.lora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
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
  private final NDArray table; // (16) fp32 code values
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
    this.table = manager.create(type.codes());
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

  public QuantType type() {
    return type;
  }

  public boolean doubleQuant() {
    return absmaxQ != null;
  }

  @Override
  public NDArray dense(DataType computeType) {
    NDArray bytes = packed.toType(DataType.INT32, false); // (n_pad / 2)
    NDArray hi = Scalars.div(bytes, 16).floor().toType(DataType.INT32, false); // (n_pad / 2)
    NDArray lo = bytes.sub(Scalars.mul(hi, 16)); // (n_pad / 2)
    NDArray idx = hi.stack(lo, 1).reshape(-1).toType(DataType.INT64, false); // (n_pad)
    NDArray values = table.get(idx); // (n_pad) fractions of absmax
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
