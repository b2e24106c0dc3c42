package ai.fairl.train.ppo;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.types.DataType;
import ai.fairl.engine.Scalars;

/**
 * PPO's clipped policy loss plus clipped value loss (TRL experimental PPOTrainer):
 *
 * <pre>
 * ρ    = exp(π_new − π_old)
 * L_pg = masked_mean( max(−A·ρ, −A·clip(ρ, 1−c, 1+c)) )
 * V_c  = clip(V_new, V_old − c_v, V_old + c_v)
 * L_vf = ½ · masked_mean( max((V_new − R)², (V_c − R)²) )
 * loss = L_pg + vf_coef · L_vf
 * </pre>
 */
public final class PpoLoss {
  private PpoLoss() {}

  /**
   * @param loss the scalar to differentiate
   * @param policyLoss L_pg
   * @param valueLoss L_vf
   * @param policyClipFrac fraction of tokens where the clipped term was the larger
   * @param valueClipFrac fraction of tokens where the clipped value loss was the larger
   * @param approxKl {@code ½ · mean((π_new − π_old)²)}
   */
  public record Result(
      NDArray loss,
      double policyLoss,
      double valueLoss,
      double policyClipFrac,
      double valueClipFrac,
      double approxKl) {}

  /**
   * All arrays are (B, T) over response tokens; {@code mask} is 1 on real tokens.
   *
   * @param newLogp differentiable policy log-probs
   * @param newValues differentiable value predictions
   */
  public static Result compute(
      NDArray newLogp,
      NDArray oldLogp,
      NDArray advantages,
      NDArray newValues,
      NDArray oldValues,
      NDArray returns,
      NDArray mask,
      PpoConfig cfg) {
    NDArray diff = newLogp.sub(oldLogp); // (B, T)
    NDArray ratio = diff.exp();
    NDArray pg1 = advantages.neg().mul(ratio);
    NDArray pg2 =
        advantages
            .neg()
            .mul(ratio.clip((float) (1 - cfg.cliprange()), (float) (1 + cfg.cliprange())));
    NDArray pg = maskedMean(NDArrays.maximum(pg1, pg2), mask);
    NDArray lo = oldValues.sub((float) cfg.cliprangeValue());
    NDArray hi = oldValues.add((float) cfg.cliprangeValue());
    NDArray vClipped = NDArrays.minimum(NDArrays.maximum(newValues, lo), hi);
    NDArray vf1 = newValues.sub(returns).square();
    NDArray vf2 = vClipped.sub(returns).square();
    NDArray vf = Scalars.mul(maskedMean(NDArrays.maximum(vf1, vf2), mask), 0.5);
    NDArray loss = pg.add(Scalars.mul(vf, cfg.vfCoef()));
    double pgClip = maskedMean(pg2.gt(pg1).toType(DataType.FLOAT32, false), mask).getFloat();
    double vfClip = maskedMean(vf2.gt(vf1).toType(DataType.FLOAT32, false), mask).getFloat();
    double approxKl = Scalars.mul(diff.stopGradient().square().mean(), 0.5).getFloat();
    return new Result(
        loss, pg.stopGradient().getFloat(), vf.stopGradient().getFloat(), pgClip, vfClip, approxKl);
  }

  static NDArray maskedMean(NDArray x, NDArray mask) {
    return x.mul(mask).sum().div(Scalars.maximum(mask.sum(), 1));
  }
}
