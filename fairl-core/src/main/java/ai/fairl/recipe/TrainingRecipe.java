package ai.fairl.recipe;

import java.util.ArrayList;
import java.util.List;

/**
 * A training recipe: FAI-RL's sections {@code model}, {@code data}, {@code training}, {@code
 * wandb}, {@code s3}, plus FAI-RL's later top-level {@code reward_api} and {@code
 * local_reward_function} (null when absent).
 */
public record TrainingRecipe(
    @Key(required = true, doc = "The model to train and how to adapt it.") Model model,
    @Key(required = true, doc = "Training data and text templates.") Data data,
    @Key(required = true, doc = "The algorithm and its optimisation settings.") Training training,
    @Key(def = "{}", doc = "Weights & Biases tracking.") Wandb wandb,
    @Key(def = "{}", doc = "FAI-RL's S3 upload (accepted only when disabled).") S3 s3,
    @Key(doc = "GRPO/GSPO/PPO: rewards from an HTTP service.") RewardApi rewardApi,
    @Key(doc = "GRPO/GSPO/PPO: a reward from a user jar.") LocalRewardFunction localRewardFunction)
    implements Recipe {

  public TrainingRecipe {
    Check.require(model != null, "model", "the model: section is missing", "add model:");
    Check.require(data != null, "data", "the data: section is missing", "add data:");
    Check.require(training != null, "training", "the training: section is missing", "add it");
    if (training.rewardFunctions() != null) {
      for (String f : training.rewardFunctions()) {
        boolean ok =
            Rewards.builtIn(f) != null
                || Rewards.javaName(f)
                || ai.fairl.reward.RewardRegistry.contains(f);
        Check.require(
            ok,
            "training.reward_functions",
            "training.reward_functions: unknown reward '"
                + f
                + "'; built-in rewards are "
                + String.join(", ", Rewards.BUILT_IN)
                + registeredRewards()
                + ", or name a Java class",
            suggestReward(f));
      }
    }
    if (training.rewardWeights() != null && training.online()) {
      List<String> names = rewardNames(training, rewardApi, localRewardFunction);
      int n = names.size();
      Check.require(
          training.rewardWeights().size() == n,
          "training.reward_weights",
          "training.reward_weights has "
              + training.rewardWeights().size()
              + " weight(s) but there are "
              + n
              + " reward(s): "
              + names,
          "give one weight per reward, in the order reward_functions, reward_api,"
              + " local_reward_function");
    }
  }

  private static String registeredRewards() {
    var names = ai.fairl.reward.RewardRegistry.all().keySet();
    return ", or register one first (%%fairl_reward NAME, RewardRegistry.register; registered: "
        + (names.isEmpty() ? "none" : String.join(", ", names))
        + ")";
  }

  private static String suggestReward(String f) {
    String s = Suggest.closest(f, Rewards.BUILT_IN);
    return s != null
        ? "did you mean '" + s + "'?"
        : "use one of " + String.join(", ", Rewards.BUILT_IN) + " or a fully qualified class";
  }

  @Override
  public String kind() {
    return "training";
  }

  /**
   * PPO's reward model: {@code training.reward_model_path}, else FAI-RL's old {@code
   * model.value_model_name}; null means the reward functions score rollouts.
   */
  public String rewardModel() {
    if (training.rewardModelPath() != null) {
      return training.rewardModelPath();
    }
    return "ppo".equals(training.algorithm()) ? model.valueModelName() : null;
  }

  /**
   * The rewards of an online run in order: {@code reward_functions} (FAI-RL's GRPO set when no
   * reward key is set), then {@code reward_api}, then {@code local_reward_function}.
   */
  public List<String> rewardNames() {
    return rewardNames(training, rewardApi, localRewardFunction);
  }

  private static List<String> rewardNames(
      Training training, RewardApi rewardApi, LocalRewardFunction localRewardFunction) {
    List<String> names = new ArrayList<>();
    if (training.rewardFunctions() != null) {
      names.addAll(training.rewardFunctions());
    }
    if (rewardApi != null) {
      names.add("reward_api");
    }
    if (localRewardFunction != null) {
      names.add(localRewardFunction.function());
    }
    return names;
  }
}
