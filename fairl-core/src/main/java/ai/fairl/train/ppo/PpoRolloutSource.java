package ai.fairl.train.ppo;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.fairl.generate.GenerationConfig;
import ai.fairl.generate.GenerationResult;
import ai.fairl.reward.RewardScores;
import ai.fairl.reward.RewardSet;
import ai.fairl.train.BatchSource;
import ai.fairl.train.LogitsFunction;
import ai.fairl.train.grpo.RolloutSource;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;

/**
 * PPO's batch source (TRL experimental PPOTrainer's rollout phase): one completion per prompt for
 * {@code per_device_train_batch_size × gradient_accumulation_steps × num_mini_batches} prompts,
 * scored by the reward functions (a reward model is one of them), turned into per-token rewards
 * with the KL penalty, GAE advantages (whitened over the batch) and returns; then served as {@code
 * num_ppo_epochs} shuffled passes of {@code num_mini_batches} optimizer steps.
 *
 * <p>Data parallel ({@link #shard}): every rank generates its own rollouts, rollout t of rank r
 * from the prompts (and sampling seed) of rollout t x W + r of one process.
 *
 * <p>Simplified: advantages are whitened over each rank's rollout; after a resume the next rollout
 * is generated afresh.
 */
public final class PpoRolloutSource implements BatchSource<PpoBatch> {
  private final List<RolloutSource.Prompt> prompts;
  private final Function<String, long[]> encoder;
  private final RolloutSource.Sampler sampler;
  private final ActorCritic model;
  private final LogitsFunction reference;
  private final RewardSet rewards;
  private final PpoConfig cfg;
  private final int microBatch;
  private final int accumulation;
  private final boolean whitenAdvantages;
  private final long seed;
  private final List<Row> rows = new ArrayList<>();
  private final List<PpoBatch> queue = new ArrayList<>();
  private Map<String, Double> metrics = Map.of();
  private int rollout;
  private int rank;
  private int worldSize = 1;
  private int epoch;

  private record Row(
      long[] prompt, long[] response, float[] logp, float[] values, float[] adv, float[] ret) {}

  public PpoRolloutSource(
      List<RolloutSource.Prompt> prompts,
      Function<String, long[]> encoder,
      RolloutSource.Sampler sampler,
      ActorCritic model,
      LogitsFunction reference,
      RewardSet rewards,
      PpoConfig cfg,
      int microBatch,
      int accumulation,
      boolean whitenAdvantages,
      long seed) {
    if (prompts.isEmpty()) {
      throw new IllegalArgumentException("PPO needs at least one prompt; the dataset is empty");
    }
    this.prompts = List.copyOf(prompts);
    this.encoder = encoder;
    this.sampler = sampler;
    this.model = model;
    this.reference = reference;
    this.rewards = rewards;
    this.cfg = cfg;
    this.microBatch = microBatch;
    this.accumulation = accumulation;
    this.whitenAdvantages = whitenAdvantages;
    this.seed = seed;
  }

  private int rolloutSize() {
    return microBatch * accumulation * cfg.numMiniBatches();
  }

  @Override
  public long microBatchesPerEpoch() {
    long batches = (prompts.size() + rolloutSize() - 1) / rolloutSize();
    return batches * (long) cfg.numPpoEpochs() * accumulation * cfg.numMiniBatches() / worldSize;
  }

  /**
   * Makes this source rank {@code rank}'s of {@code worldSize} (call before the first batch): it
   * generates rollouts from its own share of the prompts. Returns this source.
   */
  @Override
  public BatchSource<PpoBatch> shard(int rank, int worldSize) {
    if (worldSize < 1 || rank < 0 || rank >= worldSize) {
      throw new IllegalArgumentException(
          "rank must be in [0, world size), got " + rank + " of " + worldSize);
    }
    if (rollout != 0 || !rows.isEmpty()) {
      throw new IllegalStateException("shard a rollout source before it generates");
    }
    this.rank = rank;
    this.worldSize = worldSize;
    return this;
  }

  @Override
  public PpoBatch next(NDManager scope) {
    if (queue.isEmpty()) {
      if (rows.isEmpty() || epoch >= cfg.numPpoEpochs()) {
        rollout();
        rollout++;
        epoch = 0;
      }
      List<Integer> order = new ArrayList<>();
      for (int i = 0; i < rows.size(); i++) {
        order.add(i);
      }
      Collections.shuffle(order, new Random(seed * 7919 + rollout * 131L + epoch));
      for (int k = 0; k < rows.size(); k += microBatch) {
        queue.add(micro(order.subList(k, Math.min(rows.size(), k + microBatch))));
      }
      epoch++;
    }
    return queue.remove(0);
  }

  @Override
  public String position() {
    return "rollout=" + rollout;
  }

  @Override
  public void seek(String position) {
    try {
      rollout = Integer.parseInt(position.substring("rollout=".length()));
      rows.clear();
      queue.clear();
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("PPO position '" + position + "' is not rollout=<n>", e);
    }
  }

  private void rollout() {
    int n = rolloutSize();
    List<RolloutSource.Prompt> picked = new ArrayList<>();
    for (int k = 0; k < n; k++) {
      long idx = ((long) rollout * worldSize + rank) * n + k;
      int ep = (int) (idx / prompts.size());
      List<Integer> order = new ArrayList<>();
      for (int i = 0; i < prompts.size(); i++) {
        order.add(i);
      }
      Collections.shuffle(order, new Random(seed + ep));
      picked.add(prompts.get(order.get((int) (idx % prompts.size()))));
    }
    long[][] ids = new long[n][];
    List<String> texts = new ArrayList<>();
    List<Map<String, Object>> cols = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      ids[i] = encoder.apply(picked.get(i).text());
      texts.add(picked.get(i).text());
      cols.add(picked.get(i).columns());
    }
    GenerationResult out =
        sampler.sample(
            ids,
            GenerationConfig.sampling(
                cfg.responseLength(),
                cfg.temperature(),
                0,
                1.0,
                seed * 1_000_003L + (long) rollout * worldSize + rank));
    RewardScores scores = rewards.score(texts, out.texts(), cols);
    double[] score = scores.total().clone();
    for (int i = 0; i < n; i++) {
      if (out.finishReasons().get(i) != GenerationResult.FinishReason.STOP_TOKEN) {
        score[i] -= cfg.missingEosPenalty();
      }
    }
    int p = 0;
    int r = 1;
    for (int i = 0; i < n; i++) {
      p = Math.max(p, ids[i].length);
      r = Math.max(r, out.tokens().get(i).length);
    }
    float[][] logp = new float[n][];
    float[][] values = new float[n][];
    float[][] ref = new float[n][];
    try (NDManager m = NDManager.newBaseManager()) {
      long[] flat = new long[n * (p + r)];
      long[] att = new long[n * (p + r)];
      long[] resp = new long[n * r];
      for (int i = 0; i < n; i++) {
        int off = p - ids[i].length;
        for (int t = 0; t < ids[i].length; t++) {
          flat[i * (p + r) + off + t] = ids[i][t];
          att[i * (p + r) + off + t] = 1;
        }
        long[] c = out.tokens().get(i);
        for (int t = 0; t < c.length; t++) {
          flat[i * (p + r) + p + t] = c[t];
          att[i * (p + r) + p + t] = 1;
          resp[i * r + t] = c[t];
        }
      }
      NDArray idArr = m.create(flat, new Shape(n, p + r)); // (N, P + R)
      NDArray attArr = m.create(att, new Shape(n, p + r)); // (N, P + R)
      NDArray respArr = m.create(resp, new Shape(n, r)); // (N, R)
      NDArray[] fo = model.forward(idArr, attArr, false);
      NDArray[] t = PpoObjective.responseTerms(fo[0], fo[1], respArr, p, cfg.temperature());
      float[] lpAll = t[1].toFloatArray();
      float[] vAll = t[2].toFloatArray();
      float[] refAll = lpAll;
      if (reference != null) {
        NDArray refLogits = reference.logits(idArr, attArr, false);
        refAll =
            PpoObjective.responseTerms(refLogits, fo[1], respArr, p, cfg.temperature())[1]
                .toFloatArray();
      }
      for (int i = 0; i < n; i++) {
        int len = out.tokens().get(i).length;
        logp[i] = java.util.Arrays.copyOfRange(lpAll, i * r, i * r + len);
        values[i] = java.util.Arrays.copyOfRange(vAll, i * r, i * r + len);
        ref[i] = java.util.Arrays.copyOfRange(refAll, i * r, i * r + len);
      }
    }
    double[][] adv = new double[n][];
    double[][] ret = new double[n][];
    double klSum = 0;
    double nonScore = 0;
    for (int i = 0; i < n; i++) {
      double[] lp = toDouble(logp[i]);
      double[] rf = toDouble(ref[i]);
      double[] rew = Gae.tokenRewards(lp, rf, score[i], cfg.klCoef(), cfg.klEstimator());
      for (int k = 0; k < lp.length; k++) {
        klSum += cfg.klEstimator().of(lp[k], rf[k]);
        nonScore += -cfg.klCoef() * cfg.klEstimator().of(lp[k], rf[k]);
      }
      Gae.Result g = Gae.compute(rew, toDouble(values[i]), cfg.gamma(), cfg.lam());
      adv[i] = g.advantages();
      ret[i] = g.returns();
    }
    if (whitenAdvantages) {
      adv = Gae.whiten(adv, true);
    }
    rows.clear();
    for (int i = 0; i < n; i++) {
      rows.add(
          new Row(
              ids[i], out.tokens().get(i), logp[i], values[i], toFloat(adv[i]), toFloat(ret[i])));
    }
    Map<String, Double> mt = new LinkedHashMap<>();
    double meanScore = java.util.Arrays.stream(score).average().orElse(0);
    mt.put("reward", meanScore);
    mt.put("objective/scores", meanScore);
    mt.put("objective/kl", klSum / n);
    mt.put("objective/non_score_reward", nonScore / n);
    mt.put("objective/rlhf_reward", meanScore + nonScore / n);
    for (int k = 0; k < scores.names().size(); k++) {
      mt.put("rewards/" + scores.names().get(k) + "/mean", scores.mean(k));
    }
    mt.put(
        "completions/mean_length",
        out.tokens().stream().mapToInt(a -> a.length).average().orElse(0));
    metrics = mt;
  }

  private PpoBatch micro(List<Integer> idx) {
    int b = idx.size();
    int p = 0;
    int r = 1;
    for (int i : idx) {
      p = Math.max(p, rows.get(i).prompt().length);
      r = Math.max(r, rows.get(i).response().length);
    }
    int s = p + r;
    long[] ids = new long[b * s];
    long[] att = new long[b * s];
    float[] mask = new float[b * r];
    float[] lp = new float[b * r];
    float[] v = new float[b * r];
    float[] a = new float[b * r];
    float[] ret = new float[b * r];
    for (int k = 0; k < b; k++) {
      Row row = rows.get(idx.get(k));
      int off = p - row.prompt().length;
      for (int t = 0; t < row.prompt().length; t++) {
        ids[k * s + off + t] = row.prompt()[t];
        att[k * s + off + t] = 1;
      }
      for (int t = 0; t < row.response().length; t++) {
        ids[k * s + p + t] = row.response()[t];
        att[k * s + p + t] = 1;
        mask[k * r + t] = 1;
        lp[k * r + t] = row.logp()[t];
        v[k * r + t] = row.values()[t];
        a[k * r + t] = row.adv()[t];
        ret[k * r + t] = row.ret()[t];
      }
    }
    return new PpoBatch(b, p, r, ids, att, mask, lp, v, a, ret, metrics);
  }

  private static double[] toDouble(float[] f) {
    double[] d = new double[f.length];
    for (int i = 0; i < f.length; i++) {
      d[i] = f[i];
    }
    return d;
  }

  private static float[] toFloat(double[] d) {
    float[] f = new float[d.length];
    for (int i = 0; i < d.length; i++) {
      f[i] = (float) d[i];
    }
    return f;
  }
}
