package ai.fairl.train;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.fairl.data.BadRow;
import ai.fairl.data.ChatRenderer;
import ai.fairl.data.Collators;
import ai.fairl.data.DatasetFiles;
import ai.fairl.data.Example;
import ai.fairl.data.PreferenceExamples;
import ai.fairl.data.SftExamples;
import ai.fairl.data.TokenEncoder;
import ai.fairl.data.TokenizedExample;
import ai.fairl.engine.PrecisionGuard;
import ai.fairl.engine.ProcessGroup;
import ai.fairl.hub.DatasetSource;
import ai.fairl.hub.ModelSource;
import ai.fairl.model.Models;
import ai.fairl.model.Tokenizer;
import ai.fairl.model.Tokenizers;
import ai.fairl.model.TransformerConfig;
import ai.fairl.model.TransformerModel;
import ai.fairl.model.lora.LoraConfig;
import ai.fairl.model.lora.LoraModel;
import ai.fairl.model.lora.QuantType;
import ai.fairl.recipe.DatasetSpec;
import ai.fairl.recipe.Model;
import ai.fairl.recipe.RunOptions;
import ai.fairl.recipe.Secrets;
import ai.fairl.recipe.TrainingRecipe;
import ai.fairl.setup.Credentials;
import ai.fairl.train.dpo.DpoLossType;
import ai.fairl.train.dpo.DpoObjective;
import ai.fairl.train.grpo.GrpoTraining;
import ai.fairl.train.ppo.PpoTraining;
import ai.fairl.train.reward.RewardObjective;
import ai.fairl.train.reward.ScoreFunction;
import ai.fairl.train.sft.SftObjective;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * Runs a training recipe: the one call behind {@code fai-rl-train}, {@code %%fairl_train} and
 * {@code Fairl.train}. Loads the model ({@code tiny:<family>}, a local folder or a Hub id; a folder
 * holding {@code adapter_config.json} continues that PEFT adapter, FAI-RL's rule), applies LoRA /
 * QLoRA / 8-bit, turns the datasets into batches for the algorithm, and hands an {@link Objective}
 * to the {@link TrainLoop} with the console, {@code metrics.jsonl}, chart and W&amp;B listeners.
 *
 * <p>Algorithms here: {@code sft}, {@code cpt}, {@code dpo}, {@code reward}. Simplified: one
 * device; bf16/fp16 recipes compute in that dtype over fp32 master weights where the device runs it
 * (stock DJL on the CPU: fp32 with a notice); gradient checkpointing recomputes each decoder layer
 * in the backward ({@link GradientCheckpointing}); DPO's reference log-probs are computed on the
 * fly (adapters disabled under LoRA, a frozen copy under full fine-tuning).
 */
public final class Training {
  /** Steps that get a debug line (grad norm, memory) under {@code --debug}. */
  static final int DEBUG_STEPS = 5;

  private static final Gson GSON = new GsonBuilder().setPrettyPrinting().serializeNulls().create();

  private Training() {}

  /**
   * The CLI entry: installs a SIGINT handler (Ctrl-C stops at the next step boundary and
   * checkpoints; a second Ctrl-C exits at once), then trains.
   */
  public static TrainResult run(TrainingRecipe recipe, RunOptions options) throws Exception {
    StopSignal stop = new StopSignal();
    try (SigintHandler h = SigintHandler.install(stop, System.err)) {
      return run(recipe, options, List.of(), stop, System.out);
    }
  }

  /**
   * Trains with extra listeners (a notebook's live chart) and a caller's stop signal (a kernel
   * interrupt). Console output goes to {@code console}.
   */
  public static TrainResult run(
      TrainingRecipe recipe,
      RunOptions options,
      List<TrainListener> extra,
      StopSignal stop,
      PrintStream console)
      throws IOException {
    String algo = recipe.training().algorithm().toLowerCase(Locale.ROOT);
    if (!List.of("sft", "cpt", "dpo", "reward", "grpo", "gspo", "ppo").contains(algo)) {
      throw new IllegalArgumentException(
          "training.algorithm: '"
              + algo
              + "' is not one of sft, cpt, dpo, reward, grpo, gspo, ppo; fix the recipe");
    }
    WorldEnv world = WorldEnv.fromEnv(System.getenv()).orElse(WorldEnv.single());
    Device device = options.device().equals("gpu") ? rankDevice(world) : Device.cpu();
    long bucketBytes = BucketPlan.DEFAULT_CAP_BYTES;
    int zeroStage = 0;
    if (recipe.training().deepspeedConfig() != null) {
      ZeroConfig zero = ZeroConfig.read(Path.of(recipe.training().deepspeedConfig()));
      zero.checkSupported(world.worldSize(), algo);
      zeroStage = zero.stage();
      if (world.isMain()) {
        if (world.worldSize() == 1) {
          console.println(
              "notice: training.deepspeed_config has no effect on one process (ZeRO stage "
                  + zero.stage()
                  + "); with --num-gpus N it selects data parallel");
        } else {
          zero.notices().forEach(n -> console.println("notice: " + n));
        }
      }
      bucketBytes = zero.bucketBytes();
    }
    DataType compute = computeType(recipe, device, console);
    long seed = recipe.training().seed();
    try (DataParallel dp = dataParallel(world, device, bucketBytes, zeroStage, console)) {
      if (List.of("grpo", "gspo", "ppo").contains(algo)) {
        return runOnline(
            recipe, algo, device, compute, options.debug(), extra, stop, console, seed, dp);
      }
      return runOffline(recipe, algo, device, compute, options, extra, stop, console, dp);
    }
  }

  /**
   * One process, or this process's place in a data-parallel job when torchrun's variables are set
   * ({@link WorldEnv}): NCCL between GPUs, Gloo between CPU processes. {@code zeroStage} (from
   * {@code deepspeed_config}): 0-1 replicated with overlapped all-reduce, 2 partitioned optimizer
   * (gradients and AdamW state sharded), 3 fully sharded.
   */
  static DataParallel dataParallel(
      WorldEnv world, Device device, long bucketBytes, int zeroStage, PrintStream console) {
    if (world.worldSize() == 1) {
      return DataParallel.single();
    }
    ProcessGroup.Backend backend =
        device.isGpu() ? ProcessGroup.Backend.NCCL : ProcessGroup.Backend.GLOO;
    ProcessGroup group =
        ProcessGroup.join(
            backend,
            world.masterAddr(),
            world.masterPort(),
            world.rank(),
            world.worldSize(),
            device.isGpu() ? device.getDeviceId() : 0,
            DIST_TIMEOUT);
    if (world.isMain()) {
      console.println(
          "data parallel: "
              + world.worldSize()
              + " ranks over "
              + backend.name().toLowerCase(Locale.ROOT)
              + " (rendezvous "
              + world.masterAddr()
              + ":"
              + world.masterPort()
              + "); rank 0 writes logs, metrics and checkpoints"
              + (zeroStage == 3
                  ? "; fully sharded (ZeRO-3): trainable parameters, gradients and optimizer"
                      + " state split across the ranks"
                  : zeroStage == 2
                      ? "; partitioned optimizer (ZeRO-2): gradients and optimizer state split"
                          + " across the ranks, parameters replicated"
                      : ""));
    }
    return switch (zeroStage) {
      case 3 -> DataParallel.fullySharded(group, device);
      case 2 -> DataParallel.partitionedOptimizer(group, device);
      default -> DataParallel.over(group, device, bucketBytes);
    };
  }

  /**
   * The GPU of a rank: its LOCAL_RANK among the visible GPUs (torchrun's convention), made DJL's
   * default device so that tensors of managers created without a device (batches, step scopes) land
   * there too. DJL has no setter for its default device, hence the reflection.
   */
  static Device rankDevice(WorldEnv world) {
    int gpus = Engine.getInstance().getGpuCount();
    if (world.localRank() >= gpus) {
      throw new IllegalStateException(
          "LOCAL_RANK "
              + world.localRank()
              + " has no GPU: "
              + gpus
              + " visible; start one worker per visible GPU or make more GPUs visible"
              + " (CUDA_VISIBLE_DEVICES)");
    }
    Device device = Device.gpu(world.localRank());
    if (!Engine.getInstance().defaultDevice().equals(device)) {
      try {
        java.lang.reflect.Field f = Engine.class.getDeclaredField("defaultDevice");
        f.setAccessible(true);
        f.set(Engine.getInstance(), device);
      } catch (ReflectiveOperationException | RuntimeException e) {
        throw new IllegalStateException(
            "rank "
                + world.rank()
                + " cannot make "
                + device
                + " DJL's default device ("
                + e
                + "); give each worker its own GPU with CUDA_VISIBLE_DEVICES",
            e);
      }
    }
    return device;
  }

  /** How long rendezvous and each collective wait for the other ranks. */
  private static final java.time.Duration DIST_TIMEOUT = java.time.Duration.ofMinutes(10);

  private static TrainResult runOffline(
      TrainingRecipe recipe,
      String algo,
      Device device,
      DataType compute,
      RunOptions options,
      List<TrainListener> extra,
      StopSignal stop,
      PrintStream console,
      DataParallel dp)
      throws IOException {
    try (NDManager root = NDManager.newBaseManager(device)) {
      Setup setup = Setup.build(recipe, algo, root, compute, console, dp);
      Path out = Path.of(recipe.training().outputDir());
      TrainConfig cfg = config(recipe, algo, out);
      List<TrainListener> listeners = standardListeners(recipe, console);
      listeners.addAll(extra);
      if (options.debug()) {
        console.println("debug: first training example, [[trained]] text marked:");
        console.println(setup.firstExample);
        listeners.add(new DebugListener(setup.model, console, DEBUG_STEPS));
      }
      TrainResult result = setup.run(new TrainLoop(cfg, listeners, stop, dp));
      if (setup.tokenizer != null && result.reason().equals("completed") && dp.isMain()) {
        setup.tokenizer.save(out);
      }
      setup.close();
      return result;
    }
  }

  /**
   * The forward's dtype: fp32, or the recipe's {@code bf16}/{@code fp16} where the device and
   * engine run it (a GPU; bf16 on the CPU with fairl-native), else fp32 with a one-line notice.
   * Trainable weights and optimizer state stay fp32 either way.
   */
  static DataType computeType(TrainingRecipe recipe, Device device, PrintStream console) {
    if (!recipe.training().bf16() && !recipe.training().fp16()) {
      return DataType.FLOAT32;
    }
    DataType requested = recipe.training().bf16() ? DataType.BFLOAT16 : DataType.FLOAT16;
    PrecisionGuard.Resolved r = PrecisionGuard.resolve(requested, device);
    if (!r.notice().isEmpty()) {
      console.println(
          "notice: training." + (recipe.training().bf16() ? "bf16" : "fp16") + ": " + r.notice());
    }
    return r.type();
  }

  /**
   * Applies the run's precision and gradient checkpointing to a model that trains: its forward
   * computes in {@code compute} (weights stay fp32 masters), and its decoder layers are recomputed
   * in the backward when the recipe asks.
   */
  static void prepare(TransformerModel model, TrainingRecipe recipe, DataType compute) {
    prepare(model, recipe, compute, DataParallel.single());
  }

  /** As above; a fully sharded job also makes the model gather each layer's shards. */
  static void prepare(
      TransformerModel model, TrainingRecipe recipe, DataType compute, DataParallel dp) {
    model.setComputeType(compute);
    if (recipe.training().gradientCheckpointing()) {
      GradientCheckpointing.enable(model);
    }
    if (dp instanceof FullySharded sharded) {
      sharded.install(model);
    }
  }

  /** Console progress, {@code metrics.jsonl}, the end-of-run chart and W&B when enabled. */
  private static List<TrainListener> standardListeners(TrainingRecipe recipe, PrintStream console) {
    List<TrainListener> listeners = new ArrayList<>();
    listeners.add(new ConsoleProgress(console, ConsoleProgress.isTerminal()));
    listeners.add(new MetricsJsonl());
    listeners.add(new LossChart());
    if (recipe.wandb() != null && recipe.wandb().enabled()) {
      String key =
          Credentials.system().wandbKey(recipe.wandb().apiKey()).map(f -> f.value()).orElse(null);
      listeners.add(
          new WandbTracker(
              recipe.wandb().baseUrl(),
              recipe.wandb().project(),
              recipe.wandb().entity(),
              recipe.wandb().name(),
              recipe.wandb().tags(),
              key,
              flatConfig(recipe),
              console));
    }
    return listeners;
  }

  /**
   * GRPO, GSPO and PPO: the policy (with its adapters under LoRA) generates its own batches, so the
   * run goes to {@link GrpoTraining} or {@link PpoTraining} with the same listeners as every run.
   */
  private static TrainResult runOnline(
      TrainingRecipe recipe,
      String algo,
      Device device,
      DataType compute,
      boolean debug,
      List<TrainListener> extra,
      StopSignal stop,
      PrintStream console,
      long seed,
      DataParallel dp)
      throws IOException {
    try (NDManager root = NDManager.newBaseManager(device)) {
      Loaded loaded = load(recipe.model().baseModelName(), false, root, seed);
      LoraModel lora = adapters(recipe.model(), loaded, console, seed);
      prepare(loaded.model(), recipe, compute, dp);
      Path out = Path.of(recipe.training().outputDir());
      List<TrainListener> listeners = standardListeners(recipe, console);
      listeners.addAll(extra);
      if (debug) {
        listeners.add(new DebugListener(loaded.model(), console, DEBUG_STEPS));
      }
      OnlineRun run =
          new OnlineRun(
              loaded.tokenizer(),
              out,
              Path.of("").toAbsolutePath(),
              listeners,
              stop,
              Thread.currentThread().getContextClassLoader(),
              dp);
      TransformerModel policy = loaded.model();
      TrainResult result;
      if (algo.equals("ppo")) {
        result =
            lora != null
                ? PpoTraining.run(recipe, lora, run)
                : PpoTraining.run(recipe, policy, run);
      } else {
        result =
            lora != null
                ? GrpoTraining.run(recipe, lora, run)
                : GrpoTraining.run(recipe, policy, run);
      }
      if (loaded.tokenizer() != null && result.reason().equals("completed") && dp.isMain()) {
        loaded.tokenizer().save(out);
      }
      if (lora != null) {
        lora.close();
      }
      loaded.model().close();
      return result;
    }
  }

  static TrainConfig config(TrainingRecipe recipe, String algo, Path out) {
    var t = recipe.training();
    return TrainConfig.builder(out)
        .algorithm(algo)
        .learningRate(t.learningRate())
        .schedule(LrSchedule.parse(t.lrSchedulerType()))
        .warmupSteps(t.warmupSteps())
        .warmupRatio(t.warmupRatio())
        .weightDecay(t.weightDecay())
        .gradientAccumulationSteps(t.gradientAccumulationSteps())
        .maxGradNorm(t.maxGradNorm())
        .numTrainEpochs(t.numTrainEpochs())
        .maxSteps(t.maxSteps())
        .seed(t.seed())
        .loggingSteps(Math.max(1, t.loggingSteps()))
        .saveSteps(t.saveSteps())
        .evalSteps(t.evalSteps())
        .saveTotalLimit(t.saveTotalLimit() == null ? 0 : t.saveTotalLimit())
        .skipNonFiniteLoss(t.skipNonfiniteLoss())
        .resumeFromCheckpoint(t.resumeFromCheckpoint())
        .resolvedRecipe(maskedJson(recipe))
        .build();
  }

  /** The recipe as JSON with every secret-looking value masked, for checkpoints. */
  static String maskedJson(TrainingRecipe recipe) {
    JsonElement tree = GSON.toJsonTree(recipe);
    mask(tree);
    return GSON.toJson(tree);
  }

  private static void mask(JsonElement e) {
    if (e.isJsonObject()) {
      JsonObject o = e.getAsJsonObject();
      for (String k : new ArrayList<>(o.keySet())) {
        if (Secrets.looksSecret(k) && !o.get(k).isJsonNull()) {
          o.addProperty(k, Secrets.MASK);
        } else {
          mask(o.get(k));
        }
      }
    } else if (e.isJsonArray()) {
      e.getAsJsonArray().forEach(Training::mask);
    }
  }

  private static Map<String, Object> flatConfig(TrainingRecipe recipe) {
    JsonObject tree = GSON.toJsonTree(recipe).getAsJsonObject();
    mask(tree);
    Map<String, Object> out = new LinkedHashMap<>();
    for (String section : List.of("model", "data", "training")) {
      JsonElement s = tree.get(section);
      if (s != null && s.isJsonObject()) {
        s.getAsJsonObject().entrySet().forEach(en -> out.put(en.getKey(), en.getValue()));
      }
    }
    return out;
  }

  /**
   * Sets up what trains on {@code loaded}: the PEFT adapter it came with (continue training), a new
   * LoRA adapter (after 4- or 8-bit quantisation of the base when asked), or null for full
   * fine-tuning.
   */
  static LoraModel adapters(Model mc, Loaded loaded, PrintStream console, long seed)
      throws IOException {
    TransformerModel model = loaded.model();
    if (loaded.adapterDir() != null) {
      LoraModel lora = LoraModel.loadPeft(model, loaded.adapterDir());
      console.println("continuing the LoRA adapter in " + loaded.adapterDir());
      return lora;
    }
    if (!mc.useLora()) {
      return null;
    }
    if (mc.loadIn4bit()) {
      long[] b =
          LoraModel.quantize4bit(
              model, QuantType.parse(mc.bnb4bitQuantType()), mc.bnb4bitUseDoubleQuant());
      console.printf(
          Locale.ROOT,
          "QLoRA: base projections %.1f MiB -> %.1f MiB (%s)%n",
          b[0] / 1048576.0,
          b[1] / 1048576.0,
          mc.bnb4bitQuantType());
    } else if (mc.loadIn8bit()) {
      long[] b = LoraModel.quantize8bit(model);
      console.printf(
          Locale.ROOT,
          "8-bit: base projections %.1f MiB -> %.1f MiB%n",
          b[0] / 1048576.0,
          b[1] / 1048576.0);
    }
    LoraConfig lc =
        new LoraConfig(
            mc.loraR(),
            mc.loraAlpha(),
            mc.loraDropout(),
            mc.loraTargetModules(),
            mc.loraExcludeModules(),
            null,
            LoraConfig.Bias.parse(mc.loraBias()));
    LoraModel lora = LoraModel.inject(model, lc, seed, mc.baseModelName());
    long[] counts = lora.parameterCounts();
    console.printf(
        Locale.ROOT,
        "trainable params: %,d || all params: %,d || trainable%%: %.4f%n",
        counts[0],
        counts[1],
        100.0 * counts[0] / counts[1]);
    return lora;
  }

  // ------------------------------------------------------------------ model loading

  /** A loaded model, its tokenizer and where it came from. */
  record Loaded(TransformerModel model, Tokenizer tokenizer, String source, Path adapterDir) {}

  /** A named architecture with the tiny character tokenizer's vocabulary and special ids. */
  private static TransformerConfig randomShape(String name) {
    TransformerConfig n = TransformerConfig.named(name);
    TransformerConfig t = Models.tinyConfig("llama");
    return new TransformerConfig(
        n.architecture(),
        n.modelType(),
        t.vocabSize(),
        n.hiddenSize(),
        n.intermediateSize(),
        n.numLayers(),
        n.numHeads(),
        n.numKvHeads(),
        n.headDim(),
        n.ropeTheta(),
        n.ropeScaling(),
        n.rmsNormEps(),
        n.maxPositionEmbeddings(),
        n.tieWordEmbeddings(),
        n.attentionBias(),
        n.qkNorm(),
        n.slidingWindow(),
        n.numLabels(),
        n.initializerRange(),
        t.bosTokenId(),
        t.eosTokenIds(),
        t.padTokenId(),
        n.torchDtype());
  }

  /**
   * Loads {@code ref}: {@code tiny:<family>} (random init from {@code seed}, char-level tokenizer),
   * a model folder or Hub id, or a PEFT adapter folder (its base model, adapter remembered).
   */
  static Loaded load(String ref, boolean sequenceClassification, NDManager root, long seed)
      throws IOException {
    if (ref.startsWith("tiny:") || ref.startsWith("random:")) {
      // The same tiny models and tokenizer as inference and evaluation (Models); random:<name> is
      // a real architecture's shape (TransformerConfig.named) with that tokenizer's vocabulary,
      // random weights: multi-GPU benchmarks of the whole CLI path without a download
      Tokenizer tok = Tokenizers.charLevel(Models.TINY_ALPHABET);
      TransformerConfig c =
          ref.startsWith("tiny:")
              ? Models.tinyConfig(ref.substring(5).toLowerCase(Locale.ROOT))
              : randomShape(ref.substring(7));
      if (sequenceClassification) {
        c =
            c.withArchitecture(
                c.architecture().replace("ForCausalLM", "ForSequenceClassification"), 1);
      }
      TransformerModel model =
          ref.startsWith("tiny:")
              ? TransformerModel.create(c, root, DataType.FLOAT32, seed)
              : TransformerModel.random(c, root, DataType.FLOAT32, seed); // drawn on the device
      return new Loaded(model, tok, ref, null);
    }
    Path dir = localModel(ref);
    Path adapter = null;
    if (LoraModel.isAdapterDir(dir)) {
      adapter = dir;
      String base = LoraModel.baseModelOf(dir);
      dir = base.startsWith("tiny:") ? null : localModel(base);
      if (dir == null) {
        Loaded l = load(base, sequenceClassification, root, seed);
        return new Loaded(l.model(), l.tokenizer(), ref, adapter);
      }
    }
    Tokenizer tok = Files.isRegularFile(dir.resolve("tokenizer.json")) ? Tokenizer.load(dir) : null;
    if (tok == null && adapter != null && Files.isRegularFile(adapter.resolve("tokenizer.json"))) {
      tok = Tokenizer.load(adapter);
    }
    if (tok == null) {
      throw new IOException(
          dir + " has no tokenizer.json; the trainer needs the model's tokenizer");
    }
    if (sequenceClassification) {
      // A causal LM becomes a reward model: LM head dropped, a fresh seeded score head.
      return new Loaded(
          TransformerModel.loadForSequenceClassification(dir, 1, root, DataType.FLOAT32, seed),
          tok,
          ref,
          adapter);
    }
    return new Loaded(TransformerModel.load(dir, root, DataType.FLOAT32), tok, ref, adapter);
  }

  // ------------------------------------------------------------------ data

  static List<Map<String, Object>> rows(DatasetSpec spec) throws IOException {
    Path p = Path.of(spec.name());
    if (Files.isRegularFile(p)) {
      return DatasetFiles.read(p);
    }
    List<Map<String, Object>> all = new ArrayList<>();
    for (Path f : DatasetSource.resolve(spec.name(), spec.subset(), spec.split())) {
      all.addAll(DatasetFiles.read(f));
    }
    return all;
  }

  /** A local model folder, or a Hub id through the Hub cache. */
  static Path localModel(String ref) {
    return ModelSource.resolve(ref);
  }

  static TokenEncoder encoder(Tokenizer tok) {
    long eos = tok.eosTokenIds().isEmpty() ? 0 : tok.eosTokenIds().get(0);
    long pad = tok.padTokenId() >= 0 ? tok.padTokenId() : eos;
    return new TokenEncoder() {
      @Override
      public long[] encode(String text) {
        return tok.encode(text, false);
      }

      @Override
      public long eosId() {
        return eos;
      }

      @Override
      public long padId() {
        return pad;
      }
    };
  }

  static ChatRenderer chat(Tokenizer tok) {
    if (tok.chatTemplate() == null) {
      return null;
    }
    String eos = tok.eosToken() == null ? "" : tok.eosToken();
    return new ChatRenderer() {
      @Override
      public String render(List<ChatRenderer.Message> messages, boolean gen) {
        List<Map<String, Object>> m = new ArrayList<>();
        for (ChatRenderer.Message x : messages) {
          m.add(Tokenizer.message(x.role(), x.content()));
        }
        return tok.applyChatTemplate(m, gen);
      }

      @Override
      public String endOfTurn() {
        return eos;
      }
    };
  }

  static void report(List<BadRow> bad, int total, String what, PrintStream console) {
    if (bad.isEmpty()) {
      return;
    }
    StringBuilder b = new StringBuilder();
    b.append("warning: ")
        .append(bad.size())
        .append(" of ")
        .append(total)
        .append(" ")
        .append(what)
        .append(" rows skipped:");
    for (int i = 0; i < Math.min(5, bad.size()); i++) {
      b.append("\n  ").append(bad.get(i));
    }
    if (bad.size() > 5) {
      b.append("\n  ... and ").append(bad.size() - 5).append(" more");
    }
    console.println(b);
  }

  /** Splits off {@code fraction} of the items (at least one) as an eval set, seeded. */
  static <T> List<List<T>> split(List<T> items, double fraction, long seed) {
    List<T> shuffled = new ArrayList<>(items);
    Collections.shuffle(shuffled, new Random(seed));
    int n = Math.max(1, (int) Math.ceil(items.size() * fraction));
    if (n >= items.size()) {
      throw new IllegalArgumentException(
          "training.eval_split " + fraction + " leaves no training rows of " + items.size());
    }
    return List.of(shuffled.subList(n, shuffled.size()), shuffled.subList(0, n));
  }

  static String marked(Example e) {
    StringBuilder b = new StringBuilder();
    e.segments().forEach(s -> b.append(s.trained() ? "[[" + s.text() + "]]" : s.text()));
    return b.toString();
  }

  // ------------------------------------------------------------------ per-run objects

  /** What a run trains: model(s), tokenizer, objective and sources. */
  private static final class Setup implements AutoCloseable {
    TransformerModel model;
    TransformerModel reference;
    LoraModel lora;
    Tokenizer tokenizer;
    TrainTask<? extends Batch> task;
    String firstExample = "";

    TrainResult run(TrainLoop loop) throws IOException {
      return loop.run(task);
    }

    static Setup build(
        TrainingRecipe recipe,
        String algo,
        NDManager root,
        DataType compute,
        PrintStream console,
        DataParallel dp)
        throws IOException {
      Setup s = new Setup();
      long seed = recipe.training().seed();
      boolean reward = algo.equals("reward");
      Model mc = recipe.model();
      Loaded loaded = load(mc.baseModelName(), reward, root, seed);
      s.model = loaded.model();
      s.tokenizer = loaded.tokenizer();
      s.lora = adapters(mc, loaded, console, seed);
      prepare(s.model, recipe, compute, dp);
      Trainable trainable =
          s.lora != null
              ? withTokenizer(s.lora, s.tokenizer)
              : new FullFineTune(s.model, s.tokenizer);
      TransformerModel policy = s.model;
      LogitsFunction logits = LogitsFunction.of(policy);
      TokenEncoder enc = encoder(s.tokenizer);
      ChatRenderer chat = chat(s.tokenizer);
      var data = recipe.data();
      int maxLength = data.maxLength();
      int bs = recipe.training().perDeviceTrainBatchSize();
      boolean dropLast = recipe.training().dataloaderDropLast();
      double evalSplit = recipe.training().evalSplit();
      DatasetSpec evalSpec = recipe.training().evalDataset();
      if (algo.equals("sft") || algo.equals("cpt")) {
        List<TokenizedExample> train = new ArrayList<>();
        List<TokenizedExample> eval = new ArrayList<>();
        tokenizeSft(recipe, algo, data.datasets(), enc, chat, maxLength, train, s, console);
        if (evalSpec != null) {
          tokenizeSft(recipe, algo, List.of(evalSpec), enc, chat, maxLength, eval, null, console);
        } else if (evalSplit > 0) {
          List<List<TokenizedExample>> parts = split(train, evalSplit, seed);
          train = new ArrayList<>(parts.get(0));
          eval = new ArrayList<>(parts.get(1));
        }
        if (Boolean.TRUE.equals(recipe.training().packing())) {
          train = Collators.pack(train, maxLength);
        }
        long pad = enc.padId();
        ListSource<TokenizedExample, TokenBatch> src =
            new ListSource<>(train, bs, l -> Collators.tokens(l, pad), seed, true, dropLast);
        ListSource<TokenizedExample, TokenBatch> ev =
            eval.isEmpty()
                ? null
                : new ListSource<>(eval, bs, l -> Collators.tokens(l, pad), seed, false, false);
        s.task = new TrainTask<>(new SftObjective(logits), trainable, src, ev);
      } else {
        List<TokenizedExample[]> train = new ArrayList<>();
        List<TokenizedExample[]> eval = new ArrayList<>();
        tokenizePairs(data.datasets(), enc, chat, maxLength, train, s, console);
        if (evalSpec != null) {
          tokenizePairs(List.of(evalSpec), enc, chat, maxLength, eval, null, console);
        } else if (evalSplit > 0) {
          List<List<TokenizedExample[]>> parts = split(train, evalSplit, seed);
          train = new ArrayList<>(parts.get(0));
          eval = new ArrayList<>(parts.get(1));
        }
        long pad = enc.padId();
        java.util.function.Function<List<TokenizedExample[]>, PreferenceBatch> collate =
            l ->
                Collators.pairs(
                    l.stream().map(p -> p[0]).toList(), l.stream().map(p -> p[1]).toList(), pad);
        ListSource<TokenizedExample[], PreferenceBatch> src =
            new ListSource<>(train, bs, collate, seed, true, dropLast);
        ListSource<TokenizedExample[], PreferenceBatch> ev =
            eval.isEmpty() ? null : new ListSource<>(eval, bs, collate, seed, false, false);
        Objective<PreferenceBatch> objective;
        if (reward) {
          ScoreFunction score =
              (ids, mask, training) ->
                  policy.forward(ids, mask, null, null, training).logits().squeeze(-1);
          objective = new RewardObjective(score, 0, 0);
        } else {
          LogitsFunction ref;
          if (s.lora != null) {
            ref = LogitsFunction.withoutAdapters(policy); // the LoRA model's own switch
          } else {
            s.reference = load(mc.baseModelName(), false, root, seed).model();
            s.reference.setRequiresGrad(false);
            s.reference.setComputeType(compute);
            TransformerModel frozen = s.reference;
            ref = LogitsFunction.of(frozen); // DpoObjective runs the reference without dropout
          }
          var t = recipe.training();
          objective =
              new DpoObjective(
                  logits,
                  ref,
                  DpoLossType.parse(t.lossType() == null ? "sigmoid" : t.lossType()),
                  t.beta() == null ? 0.1 : t.beta(),
                  t.labelSmoothing() == null ? 0.0 : t.labelSmoothing());
        }
        s.task = new TrainTask<>(objective, trainable, src, ev);
      }
      return s;
    }

    private static Trainable withTokenizer(LoraModel lm, Tokenizer tok) {
      return new Trainable() {
        @Override
        public Map<String, NDArray> parameters() {
          return lm.parameters();
        }

        @Override
        public void save(Path dir) throws IOException {
          lm.save(dir);
          if (tok != null) {
            tok.save(dir);
          }
        }

        @Override
        public void load(Path dir) throws IOException {
          lm.load(dir);
        }
      };
    }

    private static void tokenizeSft(
        TrainingRecipe recipe,
        String algo,
        List<DatasetSpec> specs,
        TokenEncoder enc,
        ChatRenderer chat,
        int maxLength,
        List<TokenizedExample> out,
        Setup first,
        PrintStream console)
        throws IOException {
      var data = recipe.data();
      for (DatasetSpec spec : specs) {
        List<Map<String, Object>> rows = rows(spec);
        SftExamples.Result r =
            algo.equals("cpt")
                ? SftExamples.cpt(spec.name(), rows, spec.textColumn())
                : SftExamples.sft(
                    spec.name(),
                    rows,
                    new SftExamples.Settings(
                        data.systemPrompt(),
                        data.userPrompt(),
                        data.assistantPrompt(),
                        spec.datasetColumns()),
                    chat);
        List<BadRow> bad = new ArrayList<>(r.bad());
        for (int i = 0; i < r.examples().size(); i++) {
          TokenizedExample t = TokenizedExample.of(r.examples().get(i), enc, maxLength);
          if (t.trainedCount() == 0) {
            bad.add(
                new BadRow(spec.name(), i, "no trained token left within max_length " + maxLength));
          } else {
            out.add(t);
            if (first != null && first.firstExample.isEmpty()) {
              first.firstExample = marked(r.examples().get(i));
            }
          }
        }
        report(bad, rows.size(), spec.name(), console);
      }
      if (out.isEmpty()) {
        throw new IllegalArgumentException(
            "no usable training rows in " + specs.stream().map(DatasetSpec::name).toList());
      }
    }

    private static void tokenizePairs(
        List<DatasetSpec> specs,
        TokenEncoder enc,
        ChatRenderer chat,
        int maxLength,
        List<TokenizedExample[]> out,
        Setup first,
        PrintStream console)
        throws IOException {
      for (DatasetSpec spec : specs) {
        List<Map<String, Object>> rows = rows(spec);
        PreferenceExamples.Result r =
            PreferenceExamples.build(
                spec.name(),
                rows,
                spec.promptColumn(),
                spec.chosenColumn(),
                spec.rejectedColumn(),
                chat);
        List<BadRow> bad = new ArrayList<>(r.bad());
        for (int i = 0; i < r.pairs().size(); i++) {
          PreferenceExamples.Pair p = r.pairs().get(i);
          TokenizedExample c = TokenizedExample.of(p.chosen(), enc, maxLength);
          TokenizedExample j = TokenizedExample.of(p.rejected(), enc, maxLength);
          if (c.trainedCount() == 0 || j.trainedCount() == 0) {
            bad.add(
                new BadRow(spec.name(), i, "completion truncated away by max_length " + maxLength));
          } else {
            out.add(new TokenizedExample[] {c, j});
            if (first != null && first.firstExample.isEmpty()) {
              first.firstExample = marked(p.chosen()) + "\n---\n" + marked(p.rejected());
            }
          }
        }
        report(bad, rows.size(), spec.name(), console);
      }
      if (out.isEmpty()) {
        throw new IllegalArgumentException(
            "no usable preference pairs in " + specs.stream().map(DatasetSpec::name).toList());
      }
    }

    @Override
    public void close() {
      if (lora != null) {
        lora.close();
      }
      if (reference != null) {
        reference.close();
      }
      model.close();
    }
  }
}
