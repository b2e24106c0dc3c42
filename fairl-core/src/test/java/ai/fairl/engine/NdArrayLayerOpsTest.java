/*
 * The op suite, part two: convolution, pooling, normalisation, recurrent layers, resizing, FFT,
 * TorchScript IValues and the rarer element-wise natives. Same rules as NdArrayOpsTest: numbers
 * checkable by hand, run on stock DJL, on fairl-native (test-cpu.sh) and on a GPU.
 */
package ai.fairl.engine;

import static ai.fairl.engine.OpSuite.close;
import static ai.fairl.engine.OpSuite.exact;
import static ai.fairl.engine.OpSuite.shape;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.modality.cv.util.NDImageUtils;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.pooling.Pool;
import ai.djl.nn.recurrent.GRU;
import ai.djl.nn.recurrent.LSTM;
import ai.djl.nn.recurrent.RNN;
import ai.djl.nn.recurrent.RecurrentBlock;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.jni.IValue;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.ConstantInitializer;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("engine")
class NdArrayLayerOpsTest {

  private NDManager m;

  @BeforeEach
  void open() {
    m = OpSuite.manager();
  }

  @AfterEach
  void closeManager() {
    m.close();
  }

  private NDArray f(float[] data, long... shape) {
    return m.create(data, new Shape(shape));
  }

  @Test
  void convolutionAndPooling() {
    NDArray img = m.arange(0f, 16f, 1f).reshape(1, 1, 4, 4);
    NDArray w = m.ones(new Shape(1, 1, 2, 2));
    // each output sums a 2x2 window: top-left 0+1+4+5 = 10, stride 2
    NDArray conv =
        Conv2d.conv2d(
                img, w, f(new float[] {1}, 1), new Shape(2, 2), new Shape(0, 0), new Shape(1, 1), 1)
            .head();
    exact(new float[] {11, 19, 43, 51}, conv);
    exact(
        new float[] {5, 7, 13, 15},
        Pool.maxPool2d(img, new Shape(2, 2), new Shape(2, 2), new Shape(0, 0), false));
    exact(
        new float[] {2.5f, 4.5f, 10.5f, 12.5f},
        Pool.avgPool2d(img, new Shape(2, 2), new Shape(2, 2), new Shape(0, 0), false, true));
    exact(new float[] {7.5f}, Pool.globalAvgPool2d(img));
    exact(new float[] {15}, Pool.globalMaxPool2d(img));
    // L2 pooling of [[0,1],[4,5]] = sqrt(0 + 1 + 16 + 25)
    close(
        new float[] {(float) Math.sqrt(42)},
        Pool.lpPool2d(img, 2, new Shape(2, 2), new Shape(2, 2), new Shape(0, 0), false)
            .get("0, 0, 0, 0")
            .reshape(1),
        1e-5f);
    NDArray seq = m.arange(0f, 6f, 1f).reshape(1, 1, 6);
    exact(
        new float[] {1, 3, 5},
        Pool.maxPool1d(seq, new Shape(2), new Shape(2), new Shape(0), false));
  }

  @Test
  void normalisation() {
    NDArray x = f(new float[] {1, 2, 3, 4}, 2, 2); // (batch, channels)
    NDArray mean = f(new float[] {1, 2}, 2);
    NDArray var = f(new float[] {4, 1}, 2);
    NDArray gamma = f(new float[] {2, 1}, 2);
    NDArray beta = f(new float[] {0, 10}, 2);
    // inference: gamma * (x - mean) / sqrt(var + eps) + beta
    NDArray y = BatchNorm.batchNorm(x, mean, var, gamma, beta, 1, 0.9f, 0f, false).head();
    close(new float[] {0, 10, 2, 12}, y, 1e-5f);
    close(
        new float[] {0.6f, 0.8f},
        f(new float[] {3, 4}, 1, 2).normalize(2, 1, 1e-12).flatten(),
        1e-6f);
  }

  @Test
  void activations() {
    NDArray x = f(new float[] {-1, 0, 2}, 3);
    close(new float[] {0.3132617f, 0.6931472f, 2.126928f}, Activation.softPlus(x), 1e-5f);
    close(new float[] {-0.5f, 0, 2 / 3f}, Activation.softSign(x), 1e-6f);
    close(new float[] {-0.6321206f, 0, 2}, Activation.elu(x, 1f), 1e-6f);
    close(new float[] {-1.1113307f, 0, 2.101402f}, Activation.selu(x), 1e-5f);
  }

  private static NDList runRecurrent(NDManager m, RecurrentBlock block, NDArray input) {
    block.setInitializer(new ConstantInitializer(0.1f), ai.djl.nn.Parameter.Type.WEIGHT);
    block.initialize(m, DataType.FLOAT32, input.getShape());
    return block.forward(new ParameterStore(m, false), new NDList(input), false);
  }

  @Test
  void recurrentLayers() {
    NDArray input = m.ones(new Shape(1, 2, 3)); // (batch, time, features), batch first
    // every weight 0.1, biases 0: h1 = tanh(0.3), h2 = tanh(0.3 + 0.2 h1)
    NDList rnn =
        runRecurrent(
            m,
            RNN.builder()
                .setStateSize(2)
                .setNumLayers(1)
                .setActivation(RNN.Activation.TANH)
                .optBatchFirst(true)
                .optReturnState(true)
                .build(),
            input);
    float h1 = (float) Math.tanh(0.3);
    float h2 = (float) Math.tanh(0.3 + 0.2 * h1);
    // cuDNN's recurrent kernels use TF32 by default on GPUs: about 1e-4 relative error
    float tol = OpSuite.device().isGpu() ? 1e-3f : 1e-5f;
    close(new float[] {h1, h1, h2, h2}, rnn.get(0), tol);
    shape(rnn.get(1), 1, 1, 2);
    NDList gru =
        runRecurrent(
            m,
            GRU.builder()
                .setStateSize(2)
                .setNumLayers(1)
                .optBatchFirst(true)
                .optReturnState(true)
                .build(),
            input);
    shape(gru.get(0), 1, 2, 2);
    NDList lstm =
        runRecurrent(
            m,
            LSTM.builder()
                .setStateSize(2)
                .setNumLayers(1)
                .optBatchFirst(true)
                .optReturnState(true)
                .build(),
            input);
    shape(lstm.get(0), 1, 2, 2);
    assertEquals(3, lstm.size()); // output, hidden, cell
    // LSTM step 1 with all weights 0.1: gates sigmoid(0.3), cell tanh(0.3): c = i g, h = o tanh(c)
    float s = (float) (1 / (1 + Math.exp(-0.3)));
    float c1 = s * (float) Math.tanh(0.3);
    close(new float[] {s * (float) Math.tanh(c1)}, lstm.get(0).get("0, 0, 0").reshape(1), tol);
  }

  @Test
  void resizeImages() {
    NDArray img = f(new float[] {1, 2, 3, 4}, 2, 2, 1); // (height, width, channels)
    NDArray near = NDImageUtils.resize(img, 4, 4, ai.djl.modality.cv.Image.Interpolation.NEAREST);
    shape(near, 4, 4, 1);
    exact(new float[] {1, 1, 2, 2}, near.get("0, :, 0"));
    NDArray area =
        NDImageUtils.resize(
            f(new float[] {1, 3, 5, 7}, 2, 2, 1),
            1,
            1,
            ai.djl.modality.cv.Image.Interpolation.AREA);
    exact(new float[] {4}, area.flatten());
    NDArray bilinear =
        NDImageUtils.resize(img, 2, 2, ai.djl.modality.cv.Image.Interpolation.BILINEAR);
    close(new float[] {1, 2, 3, 4}, bilinear.flatten(), 1e-5f);
  }

  @Test
  void fourierTransforms() {
    NDArray x = f(new float[] {1, 2, 3, 4}, 4);
    NDArray spectrum = x.rfft(4);
    assertEquals(DataType.COMPLEX64, spectrum.getDataType());
    // DC term = 10, as (real, imaginary)
    close(new float[] {10, 0}, ((PtNDArray) spectrum).real().get("0"), 1e-5f);
    close(new float[] {1, 2, 3, 4}, spectrum.irfft(4), 1e-5f);
    NDArray full = x.fft(4);
    close(new float[] {10, 0, -2, 2, -2, 0, -2, -2}, ((PtNDArray) full).real().flatten(), 1e-5f);
    close(new float[] {1, 0, 2, 0, 3, 0, 4, 0}, ((PtNDArray) full.ifft(4)).real().flatten(), 1e-5f);
    NDArray grid = f(new float[] {1, 2, 3, 4}, 2, 2);
    close(
        new float[] {10, 0}, ((PtNDArray) grid.fft2(new long[] {2, 2})).real().get("0, 0"), 1e-5f);
    close(
        new float[] {1, 0, 2, 0, 3, 0, 4, 0},
        ((PtNDArray) grid.fft2(new long[] {2, 2}).ifft2(new long[] {2, 2}, new long[] {0, 1}))
            .real()
            .flatten(),
        1e-5f);
    close(new float[] {0, 0.5f, 1, 0.5f}, m.hanningWindow(4), 1e-6f); // periodic
  }

  @Test
  void rarerElementwiseOps() {
    NDArray x = f(new float[] {0.5f, 1, 2}, 3);
    close(new float[] {0.5723649f, 0, 0}, x.gammaln(), 1e-5f);
    close(new float[] {0.5235988f, 1.5707964f}, f(new float[] {0.5f, 1}, 2).asin(), 1e-6f);
    close(new float[] {1.0471976f, 0}, f(new float[] {0.5f, 1}, 2).acos(), 1e-6f);
    close(new float[] {0.5210953f, 1.1752012f}, f(new float[] {0.5f, 1}, 2).sinh(), 1e-6f);
    close(new float[] {1.127626f, 1.5430806f}, f(new float[] {0.5f, 1}, 2).cosh(), 1e-6f);
    close(new float[] {0.5463025f, 1.5574077f}, f(new float[] {0.5f, 1}, 2).tan(), 1e-6f);
    close(
        new float[] {0, 2 * 0.6931472f},
        f(new float[] {0, 2}, 2).xlogy(f(new float[] {3, 2}, 2)),
        1e-6f);
    exact(
        new float[] {2, 4, 1, 3}, f(new float[] {1, 2, 3, 4}, 2, 2).rotate90(1, new int[] {0, 1}));
    close(new float[] {-2, 1, 1.5f, -0.5f}, f(new float[] {1, 2, 3, 4}, 2, 2).inverse(), 1e-5f);
    NDArray p = f(new float[] {2, 3}, 2);
    p.powi(2);
    exact(new float[] {4, 9}, p);
    p.modi(5);
    exact(new float[] {4, 4}, p);
    NDArray s = f(new float[] {-3, 0, 2}, 3);
    s.signi();
    exact(new float[] {-1, 0, 1}, s);
    exact(new float[] {0, 0, 0}, s.zerosLike());
    exact(
        new float[] {9, 2, 8},
        f(new float[] {1, 2, 3}, 3).put(m.create(new long[] {0, 2}), f(new float[] {9, 8}, 2)));
    NDArray scattered =
        f(new float[] {1, 2, 3, 4, 5, 6}, 2, 3)
            .scatter(m.create(new long[] {0, 2}, new Shape(1, 2)), f(new float[] {5, 6}, 1, 2), 1);
    exact(new float[] {5, 2, 6, 4, 5, 6}, scattered);
    assertTrue(f(new float[] {0, 0}, 2).none().getBoolean());
    NDArray e = m.create(new Shape(2, 3), DataType.FLOAT32);
    shape(e, 2, 3);
    exact(new float[] {1, 1}, f(new float[] {5, 7}, 2).onesLike());
  }

  @Test
  void slicesAndMasks() {
    NDArray a = m.arange(0f, 6f, 1f).reshape(2, 3);
    exact(new float[] {1, 2, 4, 5}, a.get(new NDIndex(":, 1:")));
    NDArray b = a.duplicate();
    b.set(new NDIndex("1, 0:2"), f(new float[] {-1, -2}, 2));
    exact(new float[] {0, 1, 2, -1, -2, 5}, b);
    NDArray c = a.duplicate();
    c.set(a.gt(3), 0f);
    exact(new float[] {0, 1, 2, 3, 0, 0}, c);
    exact(new float[] {4, 5}, a.booleanMask(a.gt(3)));
  }

  @Test
  void torchScriptValues() {
    PtNDManager pm = (PtNDManager) m;
    PtNDArray t = (PtNDArray) f(new float[] {1, 2}, 2);
    try (IValue iv = IValue.from(t)) {
      assertTrue(iv.isTensor());
      exact(new float[] {1, 2}, iv.toTensor(pm));
      assertEquals("Tensor", iv.getType());
    }
    try (IValue b = IValue.from(true);
        IValue l = IValue.from(7L);
        IValue d = IValue.from(0.5);
        IValue str = IValue.from("hi")) {
      assertTrue(b.isBoolean() && b.toBoolean());
      assertTrue(l.isLong() && l.toLong() == 7);
      assertTrue(d.isDouble() && d.toDouble() == 0.5);
      assertTrue(str.isString() && "hi".equals(str.toStringValue()));
    }
    try (IValue bl = IValue.listFrom(true, false);
        IValue ll = IValue.listFrom(1L, 2L);
        IValue dl = IValue.listFrom(0.5, 1.5);
        IValue tl = IValue.listFrom(t, t)) {
      assertTrue(bl.isBooleanList() && !bl.toBooleanArray()[1]);
      assertTrue(ll.isLongList());
      assertArrayEquals(new long[] {1, 2}, ll.toLongArray());
      assertTrue(dl.isDoubleList() && dl.toDoubleArray()[1] == 1.5);
      assertTrue(tl.isTensorList());
      assertEquals(2, tl.toTensorArray(pm).length);
    }
    try (IValue one = IValue.from(1L);
        IValue two = IValue.from(2L);
        IValue list = IValue.listFrom(one, two);
        IValue tuple = IValue.tupleFrom(one, two);
        IValue map = IValue.stringMapFrom(Map.of("x", t));
        IValue imap = IValue.stringIValueMapFrom(Map.of("y", one))) {
      assertTrue(list.isList());
      assertEquals(2, list.toIValueArray().length);
      assertTrue(tuple.isTuple());
      assertEquals(2L, tuple.toIValueTuple()[1].toLong());
      assertTrue(map.isMap());
      assertEquals(1L, imap.toIValueMap().get("y").toLong());
      assertEquals(1, map.toIValueMap().size());
    }
  }

  @Test
  void sparseComplexAndEngineSettings() {
    NDArray coo =
        m.createCoo(
            java.nio.FloatBuffer.wrap(new float[] {5, 7}), new long[][] {{0, 2}}, new Shape(3));
    assertEquals(ai.djl.ndarray.types.SparseFormat.COO, coo.getSparseFormat());
    exact(new float[] {5, 0, 7}, ((PtNDArray) coo).toDense());
    PtNDArray pair = (PtNDArray) f(new float[] {1, 2, 3, -4}, 2, 2); // (re, im) rows
    PtNDArray z = (PtNDArray) pair.complex();
    assertEquals(DataType.COMPLEX64, z.getDataType());
    exact(new float[] {1, -2, 3, 4}, ((PtNDArray) z.conj()).real().flatten());
    NDArray signal = m.arange(0f, 16f, 1f);
    NDArray spec = signal.stft(8, 4, true, m.hanningWindow(8), true);
    shape(spec, 5, 5); // 8 / 2 + 1 frequencies, 1 + 16 / 4 frames
    assertEquals(DataType.COMPLEX64, spec.getDataType());
    exact(new float[] {4, 5, 6, 7}, m.arange(0f, 12f, 1f).reshape(3, 4).get(m, 1));
    exact(new float[] {6}, m.arange(0f, 12f, 1f).reshape(3, 4).get(m, 1, 2).reshape(1));
    exact(new long[] {1, 1}, f(new float[] {3, 1, 2, 0}, 2, 2).argMin(1));
    assertEquals(3L, f(new float[] {3, 1, 2, 0}, 2, 2).argMin().getLong());
    int threads = ai.djl.pytorch.jni.JniUtils.getNumThreads();
    ai.djl.pytorch.jni.JniUtils.setNumThreads(threads);
    assertEquals(threads, ai.djl.pytorch.jni.JniUtils.getNumThreads());
    ai.djl.pytorch.jni.JniUtils.setBenchmarkCuDNN(false);
    // PyTorch refuses a new inter-op pool size once parallel work ran; the refusal must arrive
    // as a Java exception naming it (stock DJL and fairl-native alike), never a crash
    int interop = ai.djl.pytorch.jni.JniUtils.getNumInteropThreads();
    try {
      ai.djl.pytorch.jni.JniUtils.setNumInteropThreads(interop);
    } catch (ai.djl.engine.EngineException e) {
      assertTrue(e.getMessage().contains("interop"), e.getMessage());
    }
    ai.djl.pytorch.jni.JniUtils.emptyCudaCache();
    NDArray x = f(new float[] {1, 2}, 2);
    x.setRequiresGradient(true);
    try (ai.djl.training.GradientCollector gc =
        ai.djl.engine.Engine.getEngine("PyTorch").newGradientCollector()) {
      NDArray y = x.mul(2);
      assertTrue(
          ai.djl.pytorch.jni.JniUtils.getGradientFunctionNames((PtNDArray) y).startsWith("Mul"));
      gc.backward(y.sum());
    }
  }

  @Test
  void jniUtilsEntryPointsDjlUsesInternally() {
    PtNDArray a = (PtNDArray) m.arange(0f, 6f, 1f).reshape(2, 3);
    PtNDManager pm = (PtNDManager) m;
    // NDIndexFullSlice paths: a[0:2:1, 1:3:1], then write into that window
    exact(
        new float[] {1, 2, 4, 5},
        ai.djl.pytorch.jni.JniUtils.index(
            a, new long[] {0, 1}, new long[] {2, 3}, new long[] {1, 1}, pm));
    PtNDArray b = (PtNDArray) a.duplicate();
    ai.djl.pytorch.jni.JniUtils.indexSet(
        b,
        (PtNDArray) m.zeros(new Shape(2, 2)),
        new long[] {0, 1},
        new long[] {2, 3},
        new long[] {1, 1});
    exact(new float[] {0, 0, 0, 3, 0, 0}, b);
    exact(new float[] {1, 4}, ai.djl.pytorch.jni.JniUtils.slice(a, 1, 1, 2, 1).flatten());
    PtNDArray c = (PtNDArray) a.duplicate();
    ai.djl.pytorch.jni.JniUtils.booleanMaskSet(c, (PtNDArray) m.create(-1f), (PtNDArray) a.gt(3));
    exact(new float[] {0, 1, 2, 3, -1, -1}, c);
    exact(
        new float[] {0, 0, 0, 0, 0, 0},
        ai.djl.pytorch.jni.JniUtils.zerosLike(
            a, DataType.FLOAT32, a.getDevice(), ai.djl.ndarray.types.SparseFormat.DENSE));
    exact(
        new long[] {1, 1, 1, 1, 1, 1},
        ai.djl.pytorch.jni.JniUtils.onesLike(
            a, DataType.INT64, a.getDevice(), ai.djl.ndarray.types.SparseFormat.DENSE));
  }

  @AfterAll
  static void writeExercisedNatives() throws Exception {
    OpSuite.writeExercised();
  }
}
