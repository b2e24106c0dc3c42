package ai.fairl.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Rotary position embeddings (RoFormer), in Hugging Face's "rotate half" layout, with the Llama 3
 * frequency scaling. The inverse frequencies are computed in float32 as transformers does.
 */
final class Rotary {
  private final float[] invFreq; // (head_dim / 2)

  Rotary(TransformerConfig c) {
    int dim = c.headDim();
    float[] f = new float[dim / 2];
    for (int i = 0; i < f.length; i++) {
      float exponent = (float) (2 * i) / dim;
      f[i] = (float) (1.0 / (float) Math.pow(c.ropeTheta(), exponent));
    }
    TransformerConfig.RopeScaling s = c.ropeScaling();
    if (s != null) {
      double lowWavelen = s.originalMaxPositionEmbeddings() / s.lowFreqFactor();
      double highWavelen = s.originalMaxPositionEmbeddings() / s.highFreqFactor();
      for (int i = 0; i < f.length; i++) {
        double wavelen = 2 * Math.PI / f[i];
        float scaled = wavelen > lowWavelen ? (float) (f[i] / s.factor()) : f[i];
        boolean medium = !(wavelen < highWavelen) && !(wavelen > lowWavelen);
        if (medium) {
          double smooth =
              (s.originalMaxPositionEmbeddings() / wavelen - s.lowFreqFactor())
                  / (s.highFreqFactor() - s.lowFreqFactor());
          scaled = (float) ((1 - smooth) * scaled / s.factor() + smooth * scaled);
        }
        f[i] = scaled;
      }
    }
    this.invFreq = f;
  }

  /**
   * @param positions (batch, seq) int64
   * @return {cos, sin}, each (batch, 1, seq, head_dim) fp32, owned by {@code positions}' manager
   */
  NDArray[] cosSin(NDArray positions) {
    NDManager m = positions.getManager();
    NDArray inv = m.create(invFreq, new Shape(1, 1, invFreq.length)); // (1, 1, dim/2)
    NDArray freqs =
        positions.toType(DataType.FLOAT32, false).expandDims(-1).mul(inv); // (b, s, dim/2)
    NDArray emb = freqs.concat(freqs, -1).expandDims(1); // (b, 1, s, dim)
    return new NDArray[] {emb.cos(), emb.sin()};
  }

  /** The inverse frequencies, (head_dim / 2), fp32. */
  float[] invFreq() {
    return invFreq.clone();
  }

  /**
   * As {@link #cosSin(NDArray)} with the frequencies already on the device (a static decode step
   * creates nothing from host memory).
   *
   * @param positions (batch, seq) int64
   * @param inv (1, 1, head_dim / 2) fp32
   */
  static NDArray[] cosSin(NDArray positions, NDArray inv) {
    NDArray freqs =
        positions.toType(DataType.FLOAT32, false).expandDims(-1).mul(inv); // (b, s, dim/2)
    NDArray emb = freqs.concat(freqs, -1).expandDims(1); // (b, 1, s, dim)
    return new NDArray[] {emb.cos(), emb.sin()};
  }

  /**
   * @param x (batch, heads, seq, head_dim)
   * @return x rotated, same shape and dtype
   */
  static NDArray apply(NDArray x, NDArray cos, NDArray sin) {
    long half = x.getShape().get(3) / 2;
    NDArray x1 = x.get("..., :" + half);
    NDArray x2 = x.get("..., " + half + ":");
    NDArray rotated = NDArrays.concat(new NDList(x2.neg(), x1), -1);
    DataType dt = x.getDataType();
    NDArray c = dt == DataType.FLOAT32 ? cos : cos.toType(dt, false);
    NDArray s = dt == DataType.FLOAT32 ? sin : sin.toType(dt, false);
    return x.mul(c).add(rotated.mul(s));
  }
}
