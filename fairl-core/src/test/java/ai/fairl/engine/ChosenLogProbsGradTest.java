package ai.fairl.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The composite chosenLogProbs gives the same gradients as plain log_softmax + gather whatever the
 * chunk size: one chunk covering every row, a chunk equal to the rows, several chunks.
 */
class ChosenLogProbsGradTest {

  @ParameterizedTest
  @ValueSource(ints = {1, 5, 6, 100})
  void gradientsMatchTheUnchunkedComputation(int chunkRows) {
    try (NDManager m = NDManager.newBaseManager()) {
      Engine.getInstance().setRandomSeed(3);
      NDArray hidden = m.randomNormal(new Shape(2, 3, 8)); // (b, t, h): 6 rows
      NDArray head = m.randomNormal(new Shape(11, 8)); // (vocab, h)
      NDArray targets = m.create(new long[] {1, 4, 10, 0, 7, 3}, new Shape(2, 3));
      float[][] grads = new float[2][];
      for (int pass = 0; pass < 2; pass++) {
        hidden.setRequiresGradient(true);
        head.setRequiresGradient(true);
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
          NDArray lp =
              pass == 0
                  ? CompositeFusedOps.INSTANCE.chosenLogProbs(hidden, head, targets, chunkRows)
                  : hidden
                      .matMul(head.transpose())
                      .logSoftmax(-1)
                      .gather(targets.expandDims(-1), -1)
                      .squeeze(-1);
          gc.backward(lp.sum());
        }
        grads[pass] = hidden.getGradient().toType(DataType.FLOAT32, false).toFloatArray();
        hidden.getGradient().subi(hidden.getGradient());
        head.getGradient().subi(head.getGradient());
      }
      assertArrayEquals(grads[1], grads[0], 1e-5f, "chunkRows " + chunkRows);
    }
  }
}
