package ai.fairl.train.ppo;

import ai.fairl.train.grpo.KlEstimator;

/**
 * PPO settings with FAI-RL's last PPO defaults where it set them (gamma 1.0, lam 0.95, cliprange
 * 0.2, cliprange_value 0.2, vf_coef 0.1) and TRL's elsewhere (kl_coef 0.05, k1, 4 PPO epochs, one
 * mini-batch, temperature 0.7, response length 53).
 *
 * @param missingEosPenalty subtracted from the score of a response without EOS; 0 = none
 */
public record PpoConfig(
    int numPpoEpochs,
    int numMiniBatches,
    double gamma,
    double lam,
    double cliprange,
    double cliprangeValue,
    double vfCoef,
    double klCoef,
    KlEstimator klEstimator,
    boolean whitenRewards,
    double temperature,
    int responseLength,
    double missingEosPenalty) {

  public PpoConfig {
    check(numPpoEpochs >= 1, "num_ppo_epochs must be >= 1", numPpoEpochs);
    check(numMiniBatches >= 1, "num_mini_batches must be >= 1", numMiniBatches);
    check(gamma >= 0 && gamma <= 1, "gamma must be in [0, 1]", gamma);
    check(lam >= 0 && lam <= 1, "lam must be in [0, 1]", lam);
    check(cliprange > 0, "cliprange must be > 0", cliprange);
    check(cliprangeValue > 0, "cliprange_value must be > 0", cliprangeValue);
    check(vfCoef >= 0, "vf_coef must be >= 0", vfCoef);
    check(klCoef >= 0, "kl_coef must be >= 0", klCoef);
    check(temperature > 0, "temperature must be > 0", temperature);
    check(responseLength >= 1, "response_length must be >= 1", responseLength);
    check(missingEosPenalty >= 0, "missing_eos_penalty must be >= 0", missingEosPenalty);
    if (klEstimator == null) {
      throw new IllegalArgumentException("training.kl_estimator must be k1 or k3");
    }
  }

  private static void check(boolean ok, String what, Object v) {
    if (!ok) {
      throw new IllegalArgumentException("training." + what + ", got " + v);
    }
  }

  public static PpoConfig defaults() {
    return new PpoConfig(4, 1, 1.0, 0.95, 0.2, 0.2, 0.1, 0.05, KlEstimator.K1, false, 0.7, 53, 0);
  }

  /** A copy with some fields changed. */
  public PpoConfig with(java.util.function.Consumer<Builder> change) {
    Builder b = new Builder(this);
    change.accept(b);
    return new PpoConfig(
        b.numPpoEpochs,
        b.numMiniBatches,
        b.gamma,
        b.lam,
        b.cliprange,
        b.cliprangeValue,
        b.vfCoef,
        b.klCoef,
        b.klEstimator,
        b.whitenRewards,
        b.temperature,
        b.responseLength,
        b.missingEosPenalty);
  }

  /** Mutable mirror of the record for {@link #with}. */
  public static final class Builder {
    public int numPpoEpochs;
    public int numMiniBatches;
    public double gamma;
    public double lam;
    public double cliprange;
    public double cliprangeValue;
    public double vfCoef;
    public double klCoef;
    public KlEstimator klEstimator;
    public boolean whitenRewards;
    public double temperature;
    public int responseLength;
    public double missingEosPenalty;

    Builder(PpoConfig c) {
      numPpoEpochs = c.numPpoEpochs;
      numMiniBatches = c.numMiniBatches;
      gamma = c.gamma;
      lam = c.lam;
      cliprange = c.cliprange;
      cliprangeValue = c.cliprangeValue;
      vfCoef = c.vfCoef;
      klCoef = c.klCoef;
      klEstimator = c.klEstimator;
      whitenRewards = c.whitenRewards;
      temperature = c.temperature;
      responseLength = c.responseLength;
      missingEosPenalty = c.missingEosPenalty;
    }
  }
}
