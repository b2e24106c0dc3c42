/*
 * The NDArray op suite: DJL's NDArray API on the PyTorch engine, with numbers checkable by hand.
 * It runs in the normal build on stock DJL natives, under fairl-native/test-cpu.sh on fairl-native
 * built against Debian's libtorch 1.13 (FAIRL_ENGINE_EXPECT=fairl-native), and on a GPU with
 * FAIRL_TEST_DEVICE=gpu. Passing everywhere is what "fairl-native agrees with stock DJL" means.
 * After the suite, fairl-native runs write which natives it exercised to
 * target/fairl-native-exercised.txt (tools: fairl-native/coverage.sh).
 */
package ai.fairl.engine;

import static ai.fairl.engine.OpSuite.close;
import static ai.fairl.engine.OpSuite.exact;
import static ai.fairl.engine.OpSuite.shape;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.engine.EngineException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Embedding;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.Dropout;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.training.GradientCollector;
import java.util.Arrays;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("engine")
class NdArrayOpsTest {

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
  void creation() {
    exact(new float[] {0, 0, 0, 0}, m.zeros(new Shape(2, 2)));
    exact(new float[] {1, 1, 1}, m.ones(new Shape(3)));
    exact(new float[] {2.5f, 2.5f}, m.full(new Shape(2), 2.5f));
    exact(new long[] {0, 1, 2, 3}, m.arange(0, 4, 1, DataType.INT64));
    exact(new float[] {0, 0.5f, 1}, m.linspace(0f, 1f, 3));
    exact(new float[] {1, 0, 0, 1}, m.eye(2));
    NDArray a = f(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
    shape(a, 2, 3);
    assertEquals(DataType.FLOAT32, a.getDataType());
    assertEquals(OpSuite.device(), a.getDevice());
    exact(new float[] {0, 0, 0, 0, 0, 0}, a.zerosLike());
    exact(new float[] {1, 1, 1, 1, 1, 1}, a.onesLike());
    exact(new long[] {7, -8}, m.create(new long[] {7, -8}));
    assertTrue(m.create(new boolean[] {true, false}).getBoolean(0));
    assertEquals(3f, m.create(3f).getFloat());
    shape(m.create(3f));
  }

  @Test
  void randomHasShapeAndRange() {
    Engine.getEngine("PyTorch").setRandomSeed(7);
    NDArray u = m.randomUniform(-1f, 1f, new Shape(1000));
    assertTrue(u.gte(-1f).all().getBoolean() && u.lt(1f).all().getBoolean());
    NDArray n = m.randomNormal(0f, 1f, new Shape(4000), DataType.FLOAT32);
    assertEquals(0f, n.mean().getFloat(), 0.1f);
    NDArray r = m.randomInteger(0, 5, new Shape(100), DataType.INT64);
    assertTrue(r.gte(0).all().getBoolean() && r.lt(5).all().getBoolean());
    long[] perm = m.randomPermutation(6).sort().toLongArray();
    assertEquals(Arrays.toString(new long[] {0, 1, 2, 3, 4, 5}), Arrays.toString(perm));
  }

  @Test
  void arithmeticBroadcasts() {
    NDArray a = f(new float[] {1, 2, 3, 4}, 2, 2);
    NDArray row = f(new float[] {10, 20}, 2);
    exact(new float[] {11, 22, 13, 24}, a.add(row));
    exact(new float[] {-9, -18, -7, -16}, a.sub(row));
    exact(new float[] {10, 40, 30, 80}, a.mul(row));
    exact(new float[] {0.5f, 1, 1.5f, 2}, a.div(2));
    exact(new float[] {1, 4, 9, 16}, a.pow(2));
    exact(new float[] {1, 0, 1, 0}, a.mod(2));
    exact(new float[] {-1, -2, -3, -4}, a.neg());
    exact(new float[] {3, 2, 1, 0}, a.sub(4).abs());
    exact(new float[] {1, 4, 9, 16}, a.square());
    exact(new float[] {1, 1, 1, 1}, a.sign());
    NDArray b = a.duplicate();
    b.addi(1);
    b.muli(2);
    b.subi(1);
    b.divi(2);
    exact(new float[] {1.5f, 2.5f, 3.5f, 4.5f}, b);
    b.negi();
    exact(new float[] {-1.5f, -2.5f, -3.5f, -4.5f}, b);
    exact(new float[] {1, 2, 3, 4}, a); // untouched by the in-place ops on its copy
    exact(new float[] {10, 20, 30, 40}, a.maximum(f(new float[] {10, 20, 30, 40}, 2, 2)));
    exact(new float[] {1, 2, 2, 2}, a.minimum(2));
    exact(new float[] {1, 2, 2, 2}, a.clip(0, 2));
  }

  @Test
  void unaryMaths() {
    NDArray x = f(new float[] {0, 1, 4}, 3);
    close(new float[] {1, 2.7182817f, 54.59815f}, x.exp(), 1e-6f);
    close(new float[] {0, 1, 2}, x.sqrt(), 1e-6f);
    close(new float[] {0, 0.6931472f, 1.609438f}, x.add(1).log(), 1e-6f);
    close(new float[] {0, 0.30103f, 0.69897f}, x.add(1).log10(), 1e-5f);
    close(new float[] {0, 1, 2.321928f}, x.add(1).log2(), 1e-5f);
    close(new float[] {0, 0.84147096f, -0.7568025f}, x.sin(), 1e-6f);
    close(new float[] {1, 0.5403023f, -0.6536436f}, x.cos(), 1e-6f);
    close(new float[] {0, 0.7615942f, 0.99932927f}, x.tanh(), 1e-6f);
    close(new float[] {0.5f, 0.7310586f, 0.98201376f}, Activation.sigmoid(x), 1e-6f);
    close(new float[] {0, 0.8427008f, 1}, x.erf(), 1e-6f);
    close(new float[] {0, 0.4769363f}, f(new float[] {0, 0.5f}, 2).erfinv(), 1e-5f);
    close(new float[] {0, 0.7853982f}, f(new float[] {0, 1}, 2).atan(), 1e-6f);
    close(new float[] {0.7853982f}, f(new float[] {1}, 1).atan2(f(new float[] {1}, 1)), 1e-6f);
    NDArray y = f(new float[] {-1.5f, 0.4f, 2.6f}, 3);
    exact(new float[] {-2, 0, 2}, y.floor());
    exact(new float[] {-1, 1, 3}, y.ceil());
    exact(new float[] {-2, 0, 3}, y.round());
    exact(new float[] {-1, 0, 2}, y.trunc());
    exact(new float[] {0, 0.4f, 2.6f}, Activation.relu(y));
    close(new float[] {-0.1001657f, 0.2621686f, 2.5878f}, Activation.gelu(y), 1e-3f);
    close(new float[] {-0.015f, 0.4f, 2.6f}, Activation.leakyRelu(y, 0.01f), 1e-6f);
  }

  @Test
  void reductions() {
    NDArray a = f(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
    assertEquals(21f, a.sum().getFloat());
    exact(new float[] {5, 7, 9}, a.sum(new int[] {0}));
    exact(new float[] {6, 15}, a.sum(new int[] {1}, true));
    shape(a.sum(new int[] {1}, true), 2, 1);
    assertEquals(3.5f, a.mean().getFloat());
    exact(new float[] {2, 5}, a.mean(new int[] {1}));
    assertEquals(6f, a.max().getFloat());
    exact(new float[] {3, 6}, a.max(new int[] {1}));
    assertEquals(1f, a.min().getFloat());
    exact(new float[] {1, 2, 3}, a.min(new int[] {0}));
    assertEquals(720f, a.prod().getFloat());
    exact(new float[] {4, 10, 18}, a.prod(new int[] {0}));
    exact(new float[] {1, 3, 6, 4, 9, 15}, a.cumSum(1));
    exact(new float[] {1, 2, 6, 4, 20, 120}, a.cumProd(1));
    assertEquals(5L, a.argMax().getLong());
    exact(new long[] {2, 2}, a.argMax(1));
    exact(new long[] {0, 0, 0}, a.argMin(0));
    close(new float[] {9.539392f}, a.norm().reshape(1), 1e-6f);
    assertTrue(a.gt(0).all().getBoolean());
    assertTrue(a.gt(5).any().getBoolean());
    assertFalse(a.gt(6).any().getBoolean());
    assertEquals(3f, f(new float[] {5, 1, 4, 2, 3}, 5).median().getFloat());
    assertEquals(3.5f, a.flatten().percentile(50).getFloat(), 1e-6f);
  }

  @Test
  void matmul() {
    NDArray a = f(new float[] {1, 2, 3, 4}, 2, 2);
    exact(new float[] {7, 10, 15, 22}, a.matMul(a));
    NDArray b = f(new float[] {1, 0, 0, 1, 2, 0, 0, 2}, 2, 2, 2);
    exact(new float[] {1, 2, 3, 4, 2, 4, 6, 8}, b.matMul(a)); // batched (2, 2, 2) x (2, 2)
    exact(new float[] {1, 2, 3, 4, 2, 4, 6, 8}, b.batchMatMul(NDArrays.stack(new NDList(a, a))));
    assertEquals(11f, f(new float[] {1, 2}, 2).dot(f(new float[] {3, 4}, 2)).getFloat());
    NDArray x = f(new float[] {1, 2}, 1, 2);
    NDArray w = f(new float[] {1, 1, 2, -1}, 2, 2); // (out, in)
    exact(new float[] {3.5f, 0.5f}, Linear.linear(x, w, f(new float[] {0.5f, 0.5f}, 2)).head());
  }

  @Test
  void indexing() {
    NDArray a = m.arange(0f, 12f, 1f).reshape(3, 4);
    exact(new float[] {4, 5, 6, 7}, a.get(1));
    exact(new float[] {6}, a.get(1, 2).reshape(1));
    exact(new float[] {4, 6, 8, 10}, a.get("1:, ::2"));
    exact(new float[] {3, 7, 11}, a.get(":, -1"));
    exact(
        new float[] {8, 9, 10, 11, 0, 1, 2, 3},
        a.get(new NDIndex("{}", m.create(new long[] {2, 0}))));
    shape(a.get(new NDIndex("..., 1")), 3);
    exact(new float[] {9, 10, 11}, a.get(a.gt(8)));
    NDArray idx = m.create(new long[] {3, 0, 1}, new Shape(3, 1));
    exact(new float[] {3, 4, 9}, a.gather(idx, 1));
    exact(new float[] {0, 11, 5}, a.take(m.create(new long[] {0, 11, 5})));
    NDArray b = a.duplicate();
    b.set(new NDIndex("0, :"), 100f);
    b.set(new NDIndex("1:, 0"), m.create(new float[] {-1, -2}));
    exact(new float[] {100, 100, 100, 100, -1, 5, 6, 7, -2, 9, 10, 11}, b);
    b.set(b.lt(0), 0f);
    exact(new float[] {100, 100, 100, 100, 0, 5, 6, 7, 0, 9, 10, 11}, b);
    NDArray c = m.zeros(new Shape(2, 3));
    c.set(new NDIndex(":, 1:3"), f(new float[] {1, 2, 3, 4}, 2, 2));
    exact(new float[] {0, 1, 2, 0, 3, 4}, c);
    exact(new long[] {1, 2, 4, 5}, c.flatten().nonzero().flatten());
  }

  @Test
  void softmaxAndLogSoftmax() {
    NDArray x = f(new float[] {0, 0, (float) Math.log(2), 1, 1, 1}, 2, 3);
    close(new float[] {0.25f, 0.25f, 0.5f, 1 / 3f, 1 / 3f, 1 / 3f}, x.softmax(-1), 1e-6f);
    close(
        new float[] {
          (float) Math.log(0.25), (float) Math.log(0.25), (float) Math.log(0.5),
          (float) -Math.log(3), (float) -Math.log(3), (float) -Math.log(3)
        },
        x.logSoftmax(1),
        1e-6f);
  }

  @Test
  void comparisonsAndWhere() {
    NDArray a = f(new float[] {1, 2, 3}, 3);
    NDArray b = f(new float[] {3, 2, 1}, 3);
    assertEquals("[false, true, false]", Arrays.toString(a.eq(b).toBooleanArray()));
    assertEquals("[true, false, true]", Arrays.toString(a.neq(b).toBooleanArray()));
    assertEquals("[false, false, true]", Arrays.toString(a.gt(b).toBooleanArray()));
    assertEquals("[false, true, true]", Arrays.toString(a.gte(b).toBooleanArray()));
    assertEquals("[true, false, false]", Arrays.toString(a.lt(b).toBooleanArray()));
    assertEquals("[true, true, false]", Arrays.toString(a.lte(b).toBooleanArray()));
    exact(new float[] {3, 2, 3}, NDArrays.where(a.gte(b), a, b));
    NDArray t = m.create(new boolean[] {true, false, true});
    NDArray u = m.create(new boolean[] {true, true, false});
    assertEquals("[true, false, false]", Arrays.toString(t.logicalAnd(u).toBooleanArray()));
    assertEquals("[true, true, true]", Arrays.toString(t.logicalOr(u).toBooleanArray()));
    assertEquals("[false, true, true]", Arrays.toString(t.logicalXor(u).toBooleanArray()));
    assertEquals("[false, true, false]", Arrays.toString(t.logicalNot().toBooleanArray()));
    NDArray n = f(new float[] {1, Float.NaN, Float.POSITIVE_INFINITY}, 3);
    assertEquals("[false, true, false]", Arrays.toString(n.isNaN().toBooleanArray()));
    assertEquals("[false, false, true]", Arrays.toString(n.isInfinite().toBooleanArray()));
    assertTrue(a.contentEquals(f(new float[] {1, 2, 3}, 3)));
    assertFalse(a.contentEquals(b));
  }

  @Test
  void joinAndSplit() {
    NDArray a = f(new float[] {1, 2}, 1, 2);
    NDArray b = f(new float[] {3, 4}, 1, 2);
    exact(new float[] {1, 2, 3, 4}, NDArrays.concat(new NDList(a, b), 0));
    shape(NDArrays.concat(new NDList(a, b), 1), 1, 4);
    shape(NDArrays.stack(new NDList(a, b), 0), 2, 1, 2);
    NDArray x = m.arange(0f, 6f, 1f);
    NDList halves = x.split(2);
    exact(new float[] {0, 1, 2}, halves.get(0));
    exact(new float[] {3, 4, 5}, halves.get(1));
    NDList cut = x.split(new long[] {1, 4});
    assertEquals(3, cut.size());
    exact(new float[] {1, 2, 3}, cut.get(1));
    exact(new float[] {0, 1, 0, 1}, f(new float[] {0, 1}, 2).tile(2));
    exact(new float[] {0, 0, 1, 1}, f(new float[] {0, 1}, 2).repeat(0, 2));
  }

  @Test
  void reshapeAndTranspose() {
    NDArray a = m.arange(0f, 6f, 1f).reshape(2, 3);
    shape(a.reshape(3, -1), 3, 2);
    exact(new float[] {0, 3, 1, 4, 2, 5}, a.transpose());
    exact(new float[] {0, 3, 1, 4, 2, 5}, a.transpose(1, 0));
    exact(new float[] {0, 3, 1, 4, 2, 5}, a.swapAxes(0, 1));
    shape(a.expandDims(0), 1, 2, 3);
    shape(a.expandDims(0).squeeze(), 2, 3);
    shape(a.expandDims(2).squeeze(2), 2, 3);
    shape(a.flatten(), 6);
    exact(new float[] {2, 1, 0, 5, 4, 3}, a.flip(1));
    shape(a.broadcast(new Shape(4, 2, 3)), 4, 2, 3);
    shape(m.zeros(new Shape(2, 3, 4)).transpose(2, 0, 1), 4, 2, 3);
    NDArray padded = a.pad(new Shape(1, 1), 0);
    shape(padded, 2, 5);
    exact(new float[] {0, 0, 1, 2, 0, 0, 3, 4, 5, 0}, padded);
    exact(new float[] {0, 4}, a.get(":, :2").diagonal());
    exact(new float[] {1, 1, 1, 1}, a.diff(1, 1));
    exact(new float[] {3, 3, 3}, a.get(1).sub(a.get(0)));
  }

  @Test
  void autogradBackward() {
    NDArray x = f(new float[] {1, 2, 3}, 3);
    x.setRequiresGradient(true);
    NDArray w = f(new float[] {1, 0, 2, 1, 0, 3}, 3, 2);
    w.setRequiresGradient(true);
    try (GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
      NDArray y = x.mul(x).sum().add(x.expandDims(0).matMul(w).sum()); // sum x^2 + sum(x W)
      gc.backward(y);
    }
    // d/dx = 2x + W 1 = [2+1, 4+3, 6+3]; d/dW = x 1^T
    exact(new float[] {3, 7, 9}, x.getGradient());
    exact(new float[] {1, 1, 2, 2, 3, 3}, w.getGradient());
    NDArray z = f(new float[] {0.5f, -1}, 2);
    z.setRequiresGradient(true);
    try (GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
      gc.backward(z.logSoftmax(0).get(0).neg().add(z.tanh().sum()));
    }
    // -d/dz log softmax(z)[0] = softmax(z) - e0; plus 1 - tanh^2
    float p0 = (float) (Math.exp(0.5) / (Math.exp(0.5) + Math.exp(-1)));
    float t0 = (float) (1 - Math.pow(Math.tanh(0.5), 2));
    float t1 = (float) (1 - Math.pow(Math.tanh(-1), 2));
    close(new float[] {p0 - 1 + t0, 1 - p0 + t1}, z.getGradient(), 1e-6f);
    assertFalse(x.stopGradient().hasGradient());
  }

  @Test
  void dtypeConversion() {
    NDArray a = f(new float[] {1.7f, -2.2f, 0}, 3);
    exact(new long[] {1, -2, 0}, a.toType(DataType.INT64, false));
    assertEquals(DataType.INT32, a.toType(DataType.INT32, false).getDataType());
    assertEquals(1.7f, (float) a.toType(DataType.FLOAT64, false).toDoubleArray()[0], 1e-6f);
    assertEquals(
        "[true, true, false]", Arrays.toString(a.toType(DataType.BOOLEAN, false).toBooleanArray()));
    exact(
        new float[] {1, 0}, m.create(new boolean[] {true, false}).toType(DataType.FLOAT32, false));
    NDArray u8 = m.create(new byte[] {-1, 1}).toType(DataType.UINT8, false);
    exact(new float[] {255, 1}, u8.toType(DataType.FLOAT32, false));
    NDArray h = a.toType(DataType.FLOAT16, false);
    assertEquals(DataType.FLOAT16, h.getDataType());
    close(new float[] {1.7f, -2.2f, 0}, h.toType(DataType.FLOAT32, false), 1e-3f);
  }

  @Test
  void topKSortArgSort() {
    NDArray a = f(new float[] {3, 1, 4, 1, 5, 9, 2, 6}, 8);
    NDList top = a.topK(3, 0);
    exact(new float[] {9, 6, 5}, top.get(0));
    exact(new long[] {5, 7, 4}, top.get(1));
    exact(new float[] {1, 1, 2}, a.topK(3, 0, false, true).get(0));
    exact(new float[] {1, 1, 2, 3, 4, 5, 6, 9}, a.sort());
    exact(new long[] {5, 7, 4, 2, 0, 6}, a.argSort(0, false).get(":6"));
    NDList u = m.create(new long[] {3, 1, 3, 2}).unique(true, true, true);
    exact(new long[] {1, 2, 3}, u.get(0));
    exact(new long[] {2, 0, 2, 1}, u.get(1));
    exact(new long[] {1, 1, 2}, u.get(2));
  }

  @Test
  void memoryIo() {
    NDArray a = f(new float[] {1, 2, 3, 4}, 2, 2);
    float[] back = new float[4];
    a.toByteBuffer().asFloatBuffer().get(back);
    assertEquals("[1.0, 2.0, 3.0, 4.0]", Arrays.toString(back));
    exact(new float[] {1, 3, 2, 4}, a.transpose().duplicate()); // non-contiguous read back
    a.set(new float[] {5, 6, 7, 8});
    exact(new float[] {5, 6, 7, 8}, a);
    NDArray sparse = m.create(new float[] {1, 2}, new Shape(2)).toSparse(SparseFormat.COO);
    assertEquals(SparseFormat.COO, sparse.getSparseFormat());
    assertEquals("float32", a.getDataType().toString());
    assertEquals(Shape.class, a.getShape().getClass());
  }

  @Test
  void layersUsedByModels() {
    NDArray x = f(new float[] {1, 2, 3, 4}, 2, 2);
    NDArray ln =
        LayerNorm.layerNorm(x, new Shape(2), m.ones(new Shape(2)), m.zeros(new Shape(2)), 1e-5f)
            .head();
    close(new float[] {-1, 1, -1, 1}, ln, 1e-3f);
    NDArray table = f(new float[] {0, 0, 1, 1, 2, 2}, 3, 2);
    NDArray ids = m.create(new long[] {2, 0});
    exact(new float[] {2, 2, 0, 0}, Embedding.embedding(ids, table, SparseFormat.DENSE).head());
    exact(new float[] {1, 2, 3, 4}, Dropout.dropout(x, 0.5f, false).head());
    exact(new float[] {0, 1, 0, 1, 0, 0}, m.create(new long[] {1, 0}).oneHot(3));
  }

  @Test
  void optimizerUpdates() {
    NDArray w = f(new float[] {1}, 1);
    NDArray g = f(new float[] {0.5f}, 1);
    NDArray mean = m.zeros(new Shape(1));
    NDArray var = m.zeros(new Shape(1));
    w.getNDArrayInternal()
        .adamUpdate(
            new NDList(w, g, mean, var),
            new NDList(w),
            0.1f,
            0.1f,
            0f,
            1f,
            -1f,
            0.9f,
            0.999f,
            1e-8f,
            true,
            false);
    // m = 0.05, v = 0.00025, w = 1 - 0.1 * 0.05 / sqrt(0.00025) = 0.6837722
    close(new float[] {0.05f}, mean, 1e-6f);
    close(new float[] {0.00025f}, var, 1e-6f);
    close(new float[] {0.6837722f}, w, 1e-5f);
    NDArray w2 = f(new float[] {1}, 1);
    NDArray state = m.zeros(new Shape(1));
    w2.getNDArrayInternal()
        .sgdUpdate(new NDList(w2, g, state), new NDList(w2), 0.1f, 0f, 1f, -1f, 0.9f, true);
    close(new float[] {0.95f}, w2, 1e-6f);
  }

  @Test
  void nativeErrorsBecomeJavaExceptions() {
    NDArray a = f(new float[] {1, 2, 3}, 3);
    NDArray b = f(new float[] {1, 2}, 2);
    EngineException e = assertThrows(EngineException.class, () -> a.matMul(b).toFloatArray());
    assertNotNull(e.getMessage());
  }

  @AfterAll
  static void writeExercisedNatives() throws Exception {
    OpSuite.writeExercised();
  }
}
