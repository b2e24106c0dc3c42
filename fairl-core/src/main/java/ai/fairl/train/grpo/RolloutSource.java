package ai.fairl.train.grpo;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.fairl.generate.GenerationConfig;
import ai.fairl.generate.GenerationResult;
import ai.fairl.reward.RewardScores;
import ai.fairl.reward.RewardSet;
import ai.fairl.train.BatchSource;
import ai.fairl.train.LogitsFunction;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;

/**
 * GRPO's batch source: every {@code steps_per_generation × num_iterations} micro-batches it takes
 * the next {@code generation_batch_size / G} prompts, samples G completions for each from the
 * current policy, scores them, computes group advantages, and serves the shuffled rows as {@code
 * steps_per_generation} micro-batches, {@code num_iterations} times (TRL's buffering).
 *
 * <p>Old log-probs: when every pass over a generation batch happens inside one optimizer step
 * ({@code gradient_accumulation_steps} a multiple of {@code steps_per_generation × num_iterations})
 * the update is on-policy and the objective uses {@code π_old = sg(π)}, so the ratio is exactly 1.
 * Otherwise the generator's log-probs are kept (they equal the trainer's within 1e-5, see the
 * tests), recomputed by a forward pass when the temperature is not 1. Reference log-probs (beta !=
 * 0) are computed once per generation batch.
 *
 * <p>Data parallel ({@link #shard}): every rank generates its own rollouts, generation g of rank r
 * from the prompts (and with the sampling seed) of generation g x W + r of one process, so the
 * ranks together cover the prompt stream without overlap; group advantages never span ranks.
 *
 * <p>Simplified: after a resume the source generates a fresh batch at the saved generation index
 * instead of replaying the buffered one.
 */
public final class RolloutSource implements BatchSource<RolloutBatch> {

  /** A prompt as the policy sees it (rendered text) and its dataset row for the rewards. */
  public record Prompt(String text, Map<String, Object> columns) {
    public Prompt {
      if (text == null || text.isEmpty()) {
        throw new IllegalArgumentException("a GRPO prompt must not be empty");
      }
      columns = Collections.unmodifiableMap(new LinkedHashMap<>(columns));
    }
  }

  /** Batched sampling with per-token log-probs; {@code Generator::generate} fits. */
  @FunctionalInterface
  public interface Sampler {
    GenerationResult sample(long[][] prompts, GenerationConfig config);
  }

  private final List<Prompt> prompts;
  private final Function<String, long[]> encoder;
  private final Sampler sampler;
  private final LogitsFunction policy;
  private final LogitsFunction reference;
  private final RewardSet rewards;
  private final GrpoConfig cfg;
  private final int microBatch;
  private final int stepsPerGeneration;
  private final boolean onPolicy;
  private final long seed;
  private final List<RolloutBatch> buffer = new ArrayList<>();
  private int generation;
  private int served;
  private int rank;
  private int worldSize = 1;
  private GenerationStats last;

  /**
   * @param prompts the training prompts
   * @param encoder text to token ids (no special tokens added; templates include them)
   * @param sampler generates from the current policy
   * @param policy the policy as logits, for old log-probs at temperature != 1
   * @param reference the reference model (adapters disabled, or a frozen copy); null when beta is 0
   * @param microBatch {@code per_device_train_batch_size}, in completions
   * @param gradientAccumulationSteps the loop's micro-batches per optimizer step
   */
  public RolloutSource(
      List<Prompt> prompts,
      Function<String, long[]> encoder,
      Sampler sampler,
      LogitsFunction policy,
      LogitsFunction reference,
      RewardSet rewards,
      GrpoConfig cfg,
      int microBatch,
      int gradientAccumulationSteps,
      long seed) {
    if (prompts.isEmpty()) {
      throw new IllegalArgumentException("GRPO needs at least one prompt; the dataset is empty");
    }
    if (cfg.beta() != 0.0 && reference == null) {
      throw new IllegalArgumentException(
          "training.beta = " + cfg.beta() + " needs a reference model; none was given");
    }
    this.prompts = List.copyOf(prompts);
    this.encoder = encoder;
    this.sampler = sampler;
    this.policy = policy;
    this.reference = reference;
    this.rewards = rewards;
    this.cfg = cfg;
    this.microBatch = microBatch;
    this.stepsPerGeneration =
        cfg.stepsPerGeneration() == 0 ? gradientAccumulationSteps : cfg.stepsPerGeneration();
    int genBatch = microBatch * stepsPerGeneration;
    if (genBatch % cfg.numGenerations() != 0) {
      throw new IllegalArgumentException(
          "generation batch size = per_device_train_batch_size ("
              + microBatch
              + ") x steps_per_generation ("
              + stepsPerGeneration
              + ") = "
              + genBatch
              + " must be divisible by num_generations ("
              + cfg.numGenerations()
              + "); change one of them (FAI-RL bug B4 hit this on one GPU)");
    }
    this.onPolicy = gradientAccumulationSteps % (stepsPerGeneration * cfg.numIterations()) == 0;
    this.seed = seed;
  }

  /** What the last generation batch looked like (for demos and tests), or null before the first. */
  public GenerationStats lastGeneration() {
    return last;
  }

  /** Rewards and texts of one generation batch. */
  public record GenerationStats(
      int generation, List<String> completions, double[] rewards, Map<String, Double> metrics) {}

  @Override
  public long microBatchesPerEpoch() {
    long rows = (long) prompts.size() * cfg.numGenerations();
    return ((rows + microBatch - 1) / microBatch) * cfg.numIterations() / worldSize;
  }

  /**
   * Makes this source rank {@code rank}'s of {@code worldSize} (call before the first batch): it
   * then generates from its own share of the prompts instead of drawing and dropping the other
   * ranks' rollouts. Returns this source.
   */
  @Override
  public BatchSource<RolloutBatch> shard(int rank, int worldSize) {
    if (worldSize < 1 || rank < 0 || rank >= worldSize) {
      throw new IllegalArgumentException(
          "rank must be in [0, world size), got " + rank + " of " + worldSize);
    }
    if (generation != 0 || !buffer.isEmpty()) {
      throw new IllegalStateException("shard a rollout source before it generates");
    }
    this.rank = rank;
    this.worldSize = worldSize;
    return this;
  }

  /** The generation number one process would have used for this rank's current generation. */
  private long globalGeneration() {
    return (long) generation * worldSize + rank;
  }

  @Override
  public RolloutBatch next(NDManager scope) {
    if (buffer.isEmpty() || served >= buffer.size() * cfg.numIterations()) {
      generate();
      generation++;
      served = 0;
    }
    RolloutBatch b = buffer.get(served % buffer.size());
    served++;
    return b;
  }

  @Override
  public String position() {
    return "generation=" + generation + ",served=" + served;
  }

  @Override
  public void seek(String position) {
    try {
      String[] p = position.split(",");
      generation = Integer.parseInt(p[0].substring("generation=".length()));
      buffer.clear();
      served = 0;
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(
          "rollout position '" + position + "' is not generation=<n>,served=<n>", e);
    }
  }

  private List<Prompt> promptsFor(int gen, int count) {
    List<Prompt> out = new ArrayList<>(count);
    int n = prompts.size();
    for (int k = 0; k < count; k++) {
      long idx = ((long) gen * worldSize + rank) * count + k;
      int epoch = (int) (idx / n);
      int[] order = orderFor(epoch);
      out.add(prompts.get(order[(int) (idx % n)]));
    }
    return out;
  }

  private int cachedEpoch = -1;
  private int[] cachedOrder;

  private int[] orderFor(int epoch) {
    if (epoch != cachedEpoch) {
      List<Integer> idx = new ArrayList<>();
      for (int i = 0; i < prompts.size(); i++) {
        idx.add(i);
      }
      Collections.shuffle(idx, new Random(seed + epoch));
      cachedOrder = idx.stream().mapToInt(Integer::intValue).toArray();
      cachedEpoch = epoch;
    }
    return cachedOrder;
  }

  private void generate() {
    int g = cfg.numGenerations();
    int genBatch = microBatch * stepsPerGeneration;
    List<Prompt> picked = promptsFor(generation, genBatch / g);
    long[][] ids = new long[genBatch][];
    List<String> promptTexts = new ArrayList<>(genBatch);
    List<Map<String, Object>> columns = new ArrayList<>(genBatch);
    for (int p = 0; p < picked.size(); p++) {
      long[] enc = encoder.apply(picked.get(p).text());
      if (cfg.maxPromptLength() > 0 && enc.length > cfg.maxPromptLength()) {
        enc = Arrays.copyOfRange(enc, enc.length - cfg.maxPromptLength(), enc.length);
      }
      for (int j = 0; j < g; j++) {
        ids[p * g + j] = enc;
        promptTexts.add(picked.get(p).text());
        columns.add(picked.get(p).columns());
      }
    }
    GenerationConfig gc =
        GenerationConfig.sampling(
            cfg.maxCompletionLength(),
            cfg.temperature(),
            cfg.topK(),
            cfg.topP(),
            seed * 1_000_003L + globalGeneration());
    GenerationResult out = sampler.sample(ids, gc);
    RewardScores scores = rewards.score(promptTexts, out.texts(), columns);
    double[] adv = GroupAdvantages.compute(scores.total(), g, cfg.scaleRewards());
    Map<String, Double> metrics = metrics(scores, out);
    last = new GenerationStats(generation, out.texts(), scores.total(), metrics);

    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < genBatch; i++) {
      order.add(i);
    }
    Collections.shuffle(order, new Random(seed * 31 + globalGeneration()));
    buffer.clear();
    for (int k = 0; k < stepsPerGeneration; k++) {
      buffer.add(
          micro(order.subList(k * microBatch, (k + 1) * microBatch), ids, out, adv, metrics));
    }
  }

  private RolloutBatch micro(
      List<Integer> rowsIdx,
      long[][] promptIds,
      GenerationResult out,
      double[] adv,
      Map<String, Double> metrics) {
    int b = rowsIdx.size();
    int p = 0;
    int c = 1;
    for (int i : rowsIdx) {
      p = Math.max(p, promptIds[i].length);
      c = Math.max(c, out.tokens().get(i).length);
    }
    int s = p + c;
    long[] ids = new long[b * s];
    long[] att = new long[b * s];
    float[] cmask = new float[b * c];
    float[] genLogp = new float[b * c];
    float[] advs = new float[b];
    boolean anyTruncatedMasked = false;
    for (int r = 0; r < b; r++) {
      int i = rowsIdx.get(r);
      long[] pr = promptIds[i];
      int off = p - pr.length;
      for (int t = 0; t < pr.length; t++) {
        ids[r * s + off + t] = pr[t];
        att[r * s + off + t] = 1;
      }
      long[] comp = out.tokens().get(i);
      float[] lp = out.logProbs().get(i);
      boolean drop =
          cfg.maskTruncatedCompletions()
              && out.finishReasons().get(i) == GenerationResult.FinishReason.LENGTH;
      anyTruncatedMasked |= drop;
      for (int t = 0; t < comp.length; t++) {
        ids[r * s + p + t] = comp[t];
        att[r * s + p + t] = 1;
        cmask[r * c + t] = drop ? 0f : 1f;
        genLogp[r * c + t] = lp[t];
      }
      advs[r] = (float) adv[i];
    }
    float[] oldLogp = null;
    float[] refLogp = null;
    if (!onPolicy || cfg.beta() != 0.0) {
      try (NDManager m = NDManager.newBaseManager()) {
        NDArray idArr = m.create(ids, new Shape(b, s)); // (B, P + C)
        NDArray attArr = m.create(att, new Shape(b, s)); // (B, P + C)
        NDArray compIds = completionIds(m, ids, b, p, c); // (B, C)
        if (!onPolicy) {
          oldLogp =
              cfg.temperature() == 1.0
                  ? genLogp
                  : CompletionLogProbs.of(
                      policy.logits(idArr, attArr, false), compIds, p, cfg.temperature())[1]
                      .toFloatArray();
        }
        if (cfg.beta() != 0.0) {
          refLogp =
              CompletionLogProbs.of(
                  reference.logits(idArr, attArr, false), compIds, p, cfg.temperature())[1]
                  .toFloatArray();
        }
      }
    }
    long items = items(cmask, b);
    return new RolloutBatch(b, p, c, ids, att, cmask, oldLogp, refLogp, advs, items, metrics);
  }

  private long items(float[] cmask, int b) {
    return switch (cfg.lossType()) {
      case GRPO, DR_GRPO -> b;
      case BNPO -> 1;
      case DAPO -> {
        long n = 0;
        for (float v : cmask) {
          n += (long) v;
        }
        yield Math.max(1, n);
      }
    };
  }

  private static NDArray completionIds(NDManager m, long[] ids, int b, int p, int c) {
    long[] out = new long[b * c];
    for (int r = 0; r < b; r++) {
      System.arraycopy(ids, r * (p + c) + p, out, r * c, c);
    }
    return m.create(out, new Shape(b, c));
  }

  private Map<String, Double> metrics(RewardScores scores, GenerationResult out) {
    Map<String, Double> m = new LinkedHashMap<>();
    m.put("reward", scores.totalMean());
    m.put("reward_std", scores.totalStd());
    m.put(
        "frac_reward_zero_std",
        GroupAdvantages.fractionZeroStd(scores.total(), cfg.numGenerations()));
    for (int k = 0; k < scores.names().size(); k++) {
      m.put("rewards/" + scores.names().get(k) + "/mean", scores.mean(k));
      m.put("rewards/" + scores.names().get(k) + "/std", scores.std(k));
    }
    int n = out.tokens().size();
    double sum = 0;
    int min = Integer.MAX_VALUE;
    int max = 0;
    int clipped = 0;
    for (int i = 0; i < n; i++) {
      int len = out.tokens().get(i).length;
      sum += len;
      min = Math.min(min, len);
      max = Math.max(max, len);
      if (out.finishReasons().get(i) == GenerationResult.FinishReason.LENGTH) {
        clipped++;
      }
    }
    m.put("completions/mean_length", sum / n);
    m.put("completions/min_length", (double) min);
    m.put("completions/max_length", (double) max);
    m.put("completions/clipped_ratio", (double) clipped / n);
    return m;
  }
}
