package ai.fairl.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.training.GradientCollector;
import ai.fairl.engine.Scalars;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one training loop. Every algorithm hands it a {@link TrainTask} (objective, trainable
 * parameters, batch source); the loop owns gradient accumulation, clipping, AdamW, the
 * learning-rate schedule, evaluation, NaN/Inf handling, stop requests, checkpoints and resume, and
 * tells {@link TrainListener}s about it.
 *
 * <p>One optimizer step: reseed the engine with {@code seed + step} (so dropout is reproducible
 * after a resume without saving the generator's internal state), draw {@code
 * gradient_accumulation_steps} micro-batches, back-propagate each one's summed loss divided by the
 * step's total {@link Batch#lossItems}, clip to {@code max_grad_norm}, update, zero the gradients.
 * Every NDArray a step creates lives in an {@link NDScope} that closes with the step, so memory
 * stays flat. Models with {@link GradientCheckpointing} get their layers recomputed right after
 * each micro-batch's backward.
 *
 * <p>Data parallel (a {@link DataParallel} of several ranks): each rank reads its share of every
 * global batch ({@link BatchSource#shard}), the step's loss items are summed over the ranks before
 * backward so that each rank divides by the global count, gradients are summed over the ranks after
 * the last backward (in buckets), and rank 0's parameters are broadcast at the start; every rank
 * then clips and updates identically. Only rank 0 evaluates, notifies listeners (console, metrics,
 * charts, W&amp;B) and writes checkpoints and the final model. Under full sharding ({@link
 * FullySharded}) the optimizer updates this rank's shards, every rank gathers the parameters (and
 * the optimizer state) for evaluation and checkpoints, and rank 0 writes them as one process would.
 *
 * <p>Simplified: one device per process; the learning rate logged for a step is the one that step
 * used (HF logs the next step's).
 */
public final class TrainLoop {
  private static final Logger LOG = LoggerFactory.getLogger(TrainLoop.class);
  private static final Gson GSON = new GsonBuilder().setPrettyPrinting().serializeNulls().create();

  private final TrainConfig config;
  private final List<TrainListener> listeners;
  private final StopSignal stop;
  private final DataParallel dp;

  public TrainLoop(TrainConfig config, List<TrainListener> listeners, StopSignal stop) {
    this(config, listeners, stop, DataParallel.single());
  }

  /**
   * A loop that is one rank of a data-parallel job; listeners are notified on rank 0 only. The
   * caller keeps ownership of {@code dp}.
   */
  public TrainLoop(
      TrainConfig config, List<TrainListener> listeners, StopSignal stop, DataParallel dp) {
    this.config = config;
    this.dp = dp == null ? DataParallel.single() : dp;
    this.listeners = this.dp.isMain() ? List.copyOf(listeners) : List.of();
    this.stop = stop == null ? new StopSignal() : stop;
  }

  /** Planned optimizer steps for a source with {@code microPerEpoch} micro-batches per epoch. */
  public static int plannedSteps(TrainConfig c, long microPerEpoch) {
    if (c.maxSteps() > 0) {
      return c.maxSteps();
    }
    if (microPerEpoch < 0) {
      throw new IllegalArgumentException(
          "training.max_steps must be set for a source without epochs (rollouts); set max_steps");
    }
    if (microPerEpoch == 0) {
      throw new IllegalArgumentException("the training data is empty: no rows survived loading");
    }
    long perEpoch = Math.max(1, microPerEpoch / c.gradientAccumulationSteps());
    return (int) Math.ceil(c.numTrainEpochs() * perEpoch);
  }

  /** Runs to completion or until the stop signal; throws on a non-finite loss (unless skipped). */
  public <B extends Batch> TrainResult run(TrainTask<B> task) throws IOException {
    BatchSource<B> source = task.train().shard(dp.rank(), dp.worldSize());
    Map<String, NDArray> params = task.trainable().parameters();
    int total = plannedSteps(config, source.microBatchesPerEpoch());
    int warmup = LrSchedule.warmupSteps(config.warmupSteps(), config.warmupRatio(), total);
    if (dp.isMain()) {
      Files.createDirectories(config.outputDir());
    }
    List<Map<String, Double>> history = new ArrayList<>();
    List<Map<String, Double>> evalHistory = new ArrayList<>();
    int step = 0;
    long microSeen = 0;
    long tokensSeen = 0;
    Path lastCheckpoint = null;
    FullySharded sharded = dp instanceof FullySharded f ? f : null;
    try (AdamW opt =
        new AdamW(
            dp.optimizerParameters(params),
            config.adamBeta1(),
            config.adamBeta2(),
            config.adamEpsilon(),
            config.weightDecay())) {
      Optional<Path> resume =
          Checkpoints.resolveResume(config.resumeFromCheckpoint(), config.outputDir());
      if (resume.isPresent()) {
        Path ck = resume.get();
        JsonObject state =
            JsonParser.parseString(
                    Files.readString(ck.resolve(Checkpoints.STATE_FILE), StandardCharsets.UTF_8))
                .getAsJsonObject();
        step = state.get("global_step").getAsInt();
        JsonObject ours = state.getAsJsonObject("fairl");
        microSeen = ours.get("micro_batches_seen").getAsLong();
        tokensSeen = ours.get("num_tokens").getAsLong();
        task.trainable().load(ck);
        Path optState = ck.resolve("optimizer.safetensors");
        if (sharded != null) {
          sharded.loadOptimizerState(opt, optState, step); // each rank slices its shard
        } else {
          opt.load(optState, step);
        }
        source.seek(ours.get("data_position").getAsString());
        for (JsonElement e : state.getAsJsonArray("log_history")) {
          Map<String, Double> entry = new LinkedHashMap<>();
          for (Map.Entry<String, JsonElement> kv : e.getAsJsonObject().entrySet()) {
            entry.put(kv.getKey(), kv.getValue().getAsDouble());
          }
          (entry.containsKey("eval_loss") ? evalHistory : history).add(entry);
        }
        lastCheckpoint = ck;
        LOG.info("Resuming from {} at step {} of {}", ck, step, total);
      }
      dp.broadcastParameters(params);
      int startStep = step;
      fire(
          l ->
              l.onStart(
                  new TrainListener.RunInfo(
                      config.algorithm(), config.outputDir(), total, startStep)));
      opt.zeroGradients();
      long startNanos = System.nanoTime();
      long tokensThisRun = 0;
      double windowLoss = 0;
      int windowSteps = 0;
      String reason = "completed";
      try {
        while (step < total) {
          if (stopRequested()) {
            reason = "stopped";
            LOG.info("Stop requested ({}); checkpointing at step {}", stop.reason(), step);
            break;
          }
          int current = step + 1;
          StepOutcome out = oneStep(task, source, opt, current, warmup, total);
          microSeen += config.gradientAccumulationSteps();
          tokensSeen += out.tokens;
          tokensThisRun += out.tokens;
          step = current;
          if (out.skipped) {
            LOG.warn(
                "step {}: non-finite loss, step skipped (training.skip_nonfinite_loss)", current);
          } else {
            windowLoss += out.loss;
            windowSteps++;
          }
          task.objective().afterOptimizerStep(current);
          double epoch = epochOf(microSeen, source.microBatchesPerEpoch());
          if (current % config.loggingSteps() == 0 || current == total) {
            Map<String, Double> m = new LinkedHashMap<>();
            m.put("loss", windowSteps == 0 ? Double.NaN : windowLoss / windowSteps);
            m.put("grad_norm", out.gradNorm);
            m.put("learning_rate", out.lr);
            m.putAll(out.metrics);
            m.put("num_tokens", (double) tokensSeen);
            Map<String, Double> entry = new LinkedHashMap<>();
            entry.put("step", (double) current);
            entry.put("epoch", epoch);
            entry.putAll(m);
            history.add(entry);
            fire(l -> l.onStep(current, epoch, m));
            windowLoss = 0;
            windowSteps = 0;
          }
          if (task.eval() != null
              && ((config.evalSteps() > 0 && current % config.evalSteps() == 0)
                  || current == total)) {
            dp.gatherParameters(); // sharded: every rank gathers, rank 0 evaluates
            try {
              if (dp.isMain()) {
                Map<String, Double> em = evaluate(task);
                Map<String, Double> entry = new LinkedHashMap<>();
                entry.put("step", (double) current);
                entry.put("epoch", epoch);
                entry.putAll(em);
                evalHistory.add(entry);
                fire(l -> l.onEval(current, em));
              }
            } finally {
              dp.releaseParameters();
            }
          }
          if (config.saveSteps() > 0 && current % config.saveSteps() == 0 && current < total) {
            lastCheckpoint =
                checkpoint(
                    task, source, opt, current, total, microSeen, tokensSeen, history, evalHistory);
          }
        }
        if (reason.equals("stopped")) {
          if (lastCheckpoint == null || Checkpoints.step(lastCheckpoint) != step) {
            lastCheckpoint =
                checkpoint(
                    task, source, opt, step, total, microSeen, tokensSeen, history, evalHistory);
          }
        } else {
          dp.gatherParameters(); // sharded: the full model on every rank from here on
          if (dp.isMain()) {
            task.trainable().save(config.outputDir());
          }
        }
        dp.gatherParameters();
        // no rank leaves (and closes its process group) while another still needs a collective:
        // under full sharding rank 0's evaluation and save come before its last gathers
        dp.barrier();
      } catch (IOException | RuntimeException | Error e) {
        int failedAt = step;
        fire(l -> l.onEnd(new TrainListener.EndInfo(failedAt, "failed", config.outputDir(), e)));
        throw e;
      }
      double seconds = (System.nanoTime() - startNanos) / 1e9;
      int endStep = step;
      String endReason = reason;
      fire(l -> l.onEnd(new TrainListener.EndInfo(endStep, endReason, config.outputDir(), null)));
      return new TrainResult(
          step,
          reason,
          config.outputDir(),
          history,
          evalHistory,
          lastCheckpoint,
          seconds > 0 ? tokensThisRun / seconds : 0);
    }
  }

  /** On any rank: every rank must leave the loop at the same step boundary. */
  private boolean stopRequested() {
    boolean here = stop.requested();
    return dp.worldSize() == 1 ? here : dp.sum(new double[] {here ? 1 : 0})[0] > 0;
  }

  private static double epochOf(long micro, long perEpoch) {
    return perEpoch > 0 ? (double) micro / perEpoch : 0;
  }

  private static final class StepOutcome {
    double loss;
    double gradNorm;
    double lr;
    long tokens;
    boolean skipped;
    Map<String, Double> metrics = new LinkedHashMap<>();
  }

  private <B extends Batch> StepOutcome oneStep(
      TrainTask<B> task, BatchSource<B> source, AdamW opt, int step, int warmup, int total) {
    StepOutcome out = new StepOutcome();
    Engine.getInstance().setRandomSeed((int) (config.seed() + step));
    try (NDScope scope = new NDScope();
        NDManager stepManager = NDManager.newBaseManager()) {
      dp.beforeStep();
      Map<String, NDArray> params = task.trainable().parameters();
      List<B> batches = new ArrayList<>();
      long items = 0;
      for (int i = 0; i < config.gradientAccumulationSteps(); i++) {
        B b = source.next(stepManager);
        batches.add(b);
        items += b.lossItems();
        out.tokens += b.tokens();
      }
      items = Math.round(dp.sum(new double[] {items})[0]); // the global batch's items
      if (items <= 0) {
        throw new IllegalStateException(
            "step "
                + step
                + ": the micro-batches carry no loss items (e.g. every label masked); check"
                + " max_length and the prompt/completion columns");
      }
      double lossSum = 0;
      Map<String, Double> weighted = new LinkedHashMap<>();
      boolean finite = true;
      String nonFinite = null;
      for (int i = 0; i < batches.size() && (finite || dp.lockstep()); i++) {
        B b = batches.get(i);
        try (NDManager micro = stepManager.newSubManager();
            GradientCollector gc = Engine.getInstance().newGradientCollector()) {
          Objective.Loss l = task.objective().loss(b, micro, true);
          double v = l.sum().getFloat();
          if (!Double.isFinite(v) && finite) {
            finite = false;
            nonFinite =
                "loss is "
                    + v
                    + " at step "
                    + step
                    + " (micro-batch "
                    + (i + 1)
                    + " of "
                    + batches.size()
                    + (dp.worldSize() > 1 ? " on rank " + dp.rank() : "")
                    + ")";
            if (!dp.lockstep()) {
              break; // else every rank runs the same forwards and backwards (collectives in them)
            }
          }
          lossSum += v;
          if (i == batches.size() - 1) {
            dp.beforeFinalBackward(params); // overlapped reduction during this backward
          }
          gc.backward(Scalars.div(l.sum(), items));
          GradientCheckpointing.backwardPending(); // recompute checkpointed layers, if any
          for (Map.Entry<String, Double> e : l.metrics().entrySet()) {
            weighted.merge(e.getKey(), e.getValue() * b.lossItems(), Double::sum);
          }
        } finally {
          GradientCheckpointing.discardPending(); // a failed or skipped micro-batch's forwards
        }
      }
      // every rank learns whether any rank saw a non-finite loss, so all skip (or fail) together
      double[] synced = dp.sum(new double[] {finite ? 0 : 1, lossSum, out.tokens});
      finite = synced[0] == 0;
      lossSum = synced[1];
      out.tokens = Math.round(synced[2]);
      if (!finite && !config.skipNonFiniteLoss()) {
        throw new IllegalStateException(
            (nonFinite != null ? nonFinite : "loss is non-finite on another rank at step " + step)
                + "; lower training.learning_rate, check the data, or set"
                + " training.skip_nonfinite_loss: true to skip such steps");
      }
      out.lr = config.schedule().rate(config.learningRate(), step - 1, warmup, total);
      if (!finite) {
        out.skipped = true;
        out.gradNorm = Double.NaN;
        dp.abandonGradients(params);
        opt.zeroNonFiniteGradients();
        dp.afterOptimizerStep();
        return out;
      }
      out.loss = lossSum / items;
      dp.sumGradients(params);
      out.gradNorm = opt.clipGradients(config.maxGradNorm(), dp::globalSquaredNorm);
      if (!Double.isFinite(out.gradNorm)) {
        if (!config.skipNonFiniteLoss()) {
          throw new IllegalStateException(
              "gradient norm is "
                  + out.gradNorm
                  + " at step "
                  + step
                  + "; lower training.learning_rate or set training.skip_nonfinite_loss: true");
        }
        out.skipped = true;
        opt.zeroNonFiniteGradients();
        dp.afterOptimizerStep();
        return out;
      }
      opt.step(out.lr);
      opt.zeroGradients();
      dp.afterOptimizerStep();
      // summed over ranks in name order (the same on every rank), reported in the objective's order
      List<String> sorted = new ArrayList<>(new TreeSet<>(weighted.keySet()));
      double[] sums = dp.sum(sorted.stream().mapToDouble(weighted::get).toArray());
      for (String key : weighted.keySet()) {
        out.metrics.put(key, sums[sorted.indexOf(key)] / items);
      }
      return out;
    }
  }

  /**
   * Eval loss (and the objective's metrics, prefixed {@code eval_}) over one pass of the source.
   */
  private <B extends Batch> Map<String, Double> evaluate(TrainTask<B> task) {
    BatchSource<B> eval = task.eval();
    long n = eval.microBatchesPerEpoch();
    if (n <= 0) {
      throw new IllegalArgumentException("the eval split is empty or unbounded; it needs rows");
    }
    String start = eval.position();
    double lossSum = 0;
    long items = 0;
    Map<String, Double> weighted = new LinkedHashMap<>();
    for (long i = 0; i < n; i++) {
      try (NDScope scope = new NDScope();
          NDManager m = NDManager.newBaseManager()) {
        B b = eval.next(m);
        Objective.Loss l = task.objective().loss(b, m, false);
        lossSum += l.sum().getFloat();
        items += b.lossItems();
        for (Map.Entry<String, Double> e : l.metrics().entrySet()) {
          weighted.merge(e.getKey(), e.getValue() * b.lossItems(), Double::sum);
        }
      }
    }
    eval.seek(start);
    Map<String, Double> out = new LinkedHashMap<>();
    out.put("eval_loss", lossSum / Math.max(1, items));
    for (Map.Entry<String, Double> e : weighted.entrySet()) {
      out.put("eval_" + e.getKey(), e.getValue() / Math.max(1, items));
    }
    return out;
  }

  private <B extends Batch> Path checkpoint(
      TrainTask<B> task,
      BatchSource<B> source,
      AdamW opt,
      int step,
      int total,
      long microSeen,
      long tokensSeen,
      List<Map<String, Double>> history,
      List<Map<String, Double>> evalHistory)
      throws IOException {
    if (dp instanceof FullySharded sharded) {
      // every rank gathers the parameters and the optimizer state; rank 0 writes them unsharded
      sharded.gatherParameters();
      try (NDManager cpu = NDManager.newBaseManager(ai.djl.Device.cpu())) {
        Map<String, NDArray> state = sharded.gatherOptimizerState(opt, cpu);
        return checkpointFiles(
            task,
            source,
            file -> FullySharded.writeOptimizerState(state, file),
            step,
            total,
            microSeen,
            tokensSeen,
            history,
            evalHistory);
      } finally {
        sharded.releaseParameters();
      }
    }
    return checkpointFiles(
        task, source, opt::save, step, total, microSeen, tokensSeen, history, evalHistory);
  }

  /** Where the optimizer state goes in a checkpoint. */
  private interface StateWriter {
    void write(Path file) throws IOException;
  }

  private <B extends Batch> Path checkpointFiles(
      TrainTask<B> task,
      BatchSource<B> source,
      StateWriter optimizer,
      int step,
      int total,
      long microSeen,
      long tokensSeen,
      List<Map<String, Double>> history,
      List<Map<String, Double>> evalHistory)
      throws IOException {
    if (!dp.isMain()) {
      return null;
    }
    String position = source.position();
    Path dir =
        Checkpoints.write(
            config.outputDir(),
            step,
            tmp -> {
              task.trainable().save(tmp);
              optimizer.write(tmp.resolve("optimizer.safetensors"));
              JsonObject rng = new JsonObject();
              rng.addProperty("seed", config.seed());
              rng.addProperty(
                  "scheme", "the engine is reseeded with seed + step before every step");
              rng.addProperty("next_step", step + 1);
              write(tmp.resolve("rng_state.json"), GSON.toJson(rng));
              JsonObject sched = new JsonObject();
              sched.addProperty("type", config.schedule().name().toLowerCase());
              sched.addProperty("peak_learning_rate", config.learningRate());
              sched.addProperty(
                  "warmup_steps",
                  LrSchedule.warmupSteps(config.warmupSteps(), config.warmupRatio(), total));
              sched.addProperty("total_steps", total);
              sched.addProperty("last_step", step);
              write(tmp.resolve("scheduler.json"), GSON.toJson(sched));
              if (config.resolvedRecipe() != null) {
                write(tmp.resolve("recipe.json"), config.resolvedRecipe());
              }
              write(
                  tmp.resolve(Checkpoints.STATE_FILE),
                  trainerState(
                      step,
                      total,
                      microSeen,
                      tokensSeen,
                      position,
                      history,
                      evalHistory,
                      source.microBatchesPerEpoch()));
            });
    Checkpoints.rotate(config.outputDir(), config.saveTotalLimit());
    fire(l -> l.onCheckpoint(step, dir));
    return dir;
  }

  private String trainerState(
      int step,
      int total,
      long microSeen,
      long tokensSeen,
      String position,
      List<Map<String, Double>> history,
      List<Map<String, Double>> evalHistory,
      long perEpoch) {
    JsonObject s = new JsonObject();
    s.addProperty("global_step", step);
    s.addProperty("epoch", epochOf(microSeen, perEpoch));
    s.addProperty("max_steps", total);
    s.addProperty("num_train_epochs", config.numTrainEpochs());
    s.addProperty("logging_steps", config.loggingSteps());
    s.addProperty("save_steps", config.saveSteps());
    s.addProperty("eval_steps", config.evalSteps());
    s.addProperty("gradient_accumulation_steps", config.gradientAccumulationSteps());
    s.addProperty("is_world_process_zero", dp.isMain());
    s.addProperty("world_size", dp.worldSize());
    s.addProperty("is_local_process_zero", true);
    s.add("best_metric", null);
    s.add("best_model_checkpoint", null);
    s.addProperty("total_flos", 0);
    JsonArray log = new JsonArray();
    List<Map<String, Double>> all = new ArrayList<>(history);
    all.addAll(evalHistory);
    all.sort((a, b) -> Double.compare(a.get("step"), b.get("step")));
    for (Map<String, Double> e : all) {
      if (e.get("step") <= step) {
        log.add(GSON.toJsonTree(e));
      }
    }
    s.add("log_history", log);
    JsonObject ours = new JsonObject();
    ours.addProperty("algorithm", config.algorithm());
    ours.addProperty("data_position", position);
    ours.addProperty("micro_batches_seen", microSeen);
    ours.addProperty("num_tokens", tokensSeen);
    ours.addProperty("seed", config.seed());
    s.add("fairl", ours);
    return GSON.toJson(s);
  }

  private static void write(Path p, String text) throws IOException {
    Files.writeString(p, text, StandardCharsets.UTF_8);
  }

  private void fire(java.util.function.Consumer<TrainListener> call) {
    for (TrainListener l : listeners) {
      try {
        call.accept(l);
      } catch (RuntimeException e) {
        LOG.warn("listener {} failed: {}", l.getClass().getSimpleName(), e.toString());
      }
    }
  }
}
