package ai.fairl.train.ppo;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * PPO's value head: {@code V_t = h_t · w + b} on the final hidden states of a trunk, either the
 * policy's own (a value head on the policy, as TRL's {@code AutoModelForCausalLMWithValueHead}) or
 * a separate value model's. Initialised like a sequence-classification score head: normal(0,
 * 0.02)... scaled down, bias 0.
 */
public final class ValueHead implements AutoCloseable {
  private final NDManager manager;
  private final NDArray weight; // (hidden, 1)
  private final NDArray bias; // (1)

  public ValueHead(NDManager parent, int hidden, long seed) {
    manager = parent.newSubManager();
    float[] w = new float[hidden];
    SplittableRandom r = new SplittableRandom(seed);
    for (int i = 0; i < hidden; i++) {
      w[i] = (float) (r.nextGaussian() * 0.02);
    }
    weight = manager.create(w, new Shape(hidden, 1));
    bias = manager.create(new float[] {0f});
    weight.setRequiresGradient(true);
    bias.setRequiresGradient(true);
  }

  /**
   * @param hidden (B, S, H) final hidden states
   * @return (B, S) values
   */
  public NDArray values(NDArray hidden) {
    return hidden.matMul(weight).squeeze(-1).add(bias); // (B, S)
  }

  /** {@code v_head.weight} (1, H) and {@code v_head.bias} (1), TRL's names. */
  public Map<String, NDArray> parameters() {
    Map<String, NDArray> m = new LinkedHashMap<>();
    m.put("v_head.weight", weight);
    m.put("v_head.bias", bias);
    return m;
  }

  @Override
  public void close() {
    manager.close();
  }
}
