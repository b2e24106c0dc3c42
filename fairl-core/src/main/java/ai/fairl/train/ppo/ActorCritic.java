package ai.fairl.train.ppo;

import ai.djl.ndarray.NDArray;
import ai.fairl.model.ModelOutput;
import ai.fairl.model.TransformerModel;

/**
 * The policy and the value function in one forward pass: next-token logits (B, S, V) and a value
 * per position (B, S). Either a value head on the policy's trunk or a separate value model.
 */
@FunctionalInterface
public interface ActorCritic {
  /** {logits (B, S, V), values (B, S)}; position t predicts (and values the state before) t + 1. */
  NDArray[] forward(NDArray ids, NDArray mask, boolean training);

  /** A value head on the policy's final hidden states (one trunk, TRL's value-head model). */
  static ActorCritic sharedTrunk(TransformerModel policy, ValueHead head) {
    return (ids, mask, training) -> {
      ModelOutput o = policy.forward(ids, mask, null, null, training);
      return new NDArray[] {o.logits(), head.values(o.hiddenStates())};
    };
  }

  /** A separate value model (its own trunk) with a value head on its hidden states. */
  static ActorCritic separate(
      TransformerModel policy, TransformerModel valueModel, ValueHead head) {
    return (ids, mask, training) -> {
      NDArray logits = policy.forward(ids, mask, null, null, training).logits();
      NDArray hidden = valueModel.forward(ids, mask, null, null, training).hiddenStates();
      return new NDArray[] {logits, head.values(hidden)};
    };
  }
}
