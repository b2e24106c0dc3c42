package ai.fairl.train;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.fairl.data.Collators;
import ai.fairl.data.TokenizedExample;
import ai.fairl.model.TransformerConfig;
import ai.fairl.model.TransformerModel;
import ai.fairl.train.dpo.DpoLossType;
import ai.fairl.train.dpo.DpoObjective;
import ai.fairl.train.sft.SftObjective;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Training reaches known targets on synthetic data with a tiny transformer. */
class QualityTest {
  static final int V = 8;

  /** Each next token is x+1 or x+3 (mod V) with probability 1/2: the entropy floor is ln 2. */
  static List<TokenizedExample> markov(int n, int len, long seed) {
    Random r = new Random(seed);
    List<TokenizedExample> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      long[] ids = new long[len];
      ids[0] = r.nextInt(V);
      for (int t = 1; t < len; t++) {
        ids[t] = (ids[t - 1] + (r.nextBoolean() ? 1 : 3)) % V;
      }
      boolean[] trained = new boolean[len];
      Arrays.fill(trained, true);
      out.add(new TokenizedExample(ids, trained));
    }
    return out;
  }

  @Test
  void sftReachesWithinTenPercentOfTheEntropyFloor(@TempDir Path out) throws Exception {
    double floor = Math.log(2);
    try (NDManager root = NDManager.newBaseManager();
        TransformerModel m =
            TransformerModel.create(
                TransformerConfig.tiny("llama", V, 32, 2), root, DataType.FLOAT32, 3)) {
      LogitsFunction f = (ids, mask, tr) -> m.forward(ids, mask, null, null, tr).logits();
      var train =
          new ListSource<>(
              markov(256, 16, 1),
              16,
              (List<TokenizedExample> l) -> Collators.tokens(l, 0),
              1,
              true,
              false);
      var eval =
          new ListSource<>(
              markov(64, 16, 2),
              32,
              (List<TokenizedExample> l) -> Collators.tokens(l, 0),
              1,
              false,
              false);
      TrainConfig c =
          TrainConfig.builder(out)
              .learningRate(1e-2)
              .warmupSteps(5)
              .gradientAccumulationSteps(1)
              .maxSteps(50)
              .loggingSteps(10)
              .saveSteps(0)
              .evalSteps(0)
              .schedule(LrSchedule.COSINE)
              .build();
      TrainResult r =
          new TrainLoop(c, List.of(), null)
              .run(new TrainTask<>(new SftObjective(f), new FullFineTune(m, null), train, eval));
      double evalLoss = r.evalHistory().get(r.evalHistory().size() - 1).get("eval_loss");
      assertTrue(
          evalLoss < 1.1 * floor,
          "held-out loss "
              + evalLoss
              + " should be within 10% of the floor ln 2 = "
              + floor
              + " (start "
              + r.losses().get(0)
              + ")");
    }
  }

  /**
   * Preference rule: after a prompt ending in token a, the chosen reply is (a+1, a+2) and the
   * rejected reply is anything else. Held-out prompts are new random sequences.
   */
  static List<TokenizedExample[]> pairs(int n, long seed) {
    Random r = new Random(seed);
    List<TokenizedExample[]> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int plen = 3 + r.nextInt(3);
      long[] prompt = new long[plen];
      for (int t = 0; t < plen; t++) {
        prompt[t] = r.nextInt(V);
      }
      long a = prompt[plen - 1];
      long[] good = {(a + 1) % V, (a + 2) % V};
      long[] bad;
      do {
        bad = new long[] {r.nextInt(V), r.nextInt(V)};
      } while (bad[0] == good[0]);
      out.add(new TokenizedExample[] {seq(prompt, good), seq(prompt, bad)});
    }
    return out;
  }

  static TokenizedExample seq(long[] prompt, long[] reply) {
    long[] ids = Arrays.copyOf(prompt, prompt.length + reply.length);
    System.arraycopy(reply, 0, ids, prompt.length, reply.length);
    boolean[] trained = new boolean[ids.length];
    Arrays.fill(trained, prompt.length, ids.length, true);
    return new TokenizedExample(ids, trained);
  }

  @Test
  void dpoPrefersTheChosenOnHeldOutPairs(@TempDir Path out) throws Exception {
    try (NDManager root = NDManager.newBaseManager();
        TransformerModel policy =
            TransformerModel.create(
                TransformerConfig.tiny("llama", V, 32, 2), root, DataType.FLOAT32, 5);
        TransformerModel ref =
            TransformerModel.create(
                TransformerConfig.tiny("llama", V, 32, 2), root, DataType.FLOAT32, 5)) {
      LogitsFunction pf = (ids, mask, tr) -> policy.forward(ids, mask, null, null, tr).logits();
      LogitsFunction rf = (ids, mask, tr) -> ref.forward(ids, mask, null, null, false).logits();
      java.util.function.Function<List<TokenizedExample[]>, PreferenceBatch> collate =
          l ->
              Collators.pairs(
                  l.stream().map(p -> p[0]).toList(), l.stream().map(p -> p[1]).toList(), 0);
      var train = new ListSource<>(pairs(256, 1), 16, collate, 1, true, false);
      var eval = new ListSource<>(pairs(100, 99), 50, collate, 1, false, false);
      TrainConfig c =
          TrainConfig.builder(out)
              .learningRate(2e-3)
              .warmupSteps(5)
              .gradientAccumulationSteps(1)
              .maxSteps(20)
              .loggingSteps(10)
              .saveSteps(0)
              .evalSteps(0)
              .build();
      TrainResult r =
          new TrainLoop(c, List.of(), null)
              .run(
                  new TrainTask<>(
                      new DpoObjective(pf, rf, DpoLossType.SIGMOID, 0.1, 0),
                      new FullFineTune(policy, null),
                      train,
                      eval));
      Map<String, Double> last = r.evalHistory().get(r.evalHistory().size() - 1);
      double acc = last.get("eval_rewards/accuracies");
      assertTrue(acc > 0.9, "held-out preference accuracy " + acc + " " + last);
    }
  }
}
