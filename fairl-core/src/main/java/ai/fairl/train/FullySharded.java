/*
 * Fully sharded data parallelism with ZeRO stage 3 semantics (DeepSpeed ZeRO-3, PyTorch FSDP), on
 * c10d collectives through ai.fairl.engine.ProcessGroup.
 *
 * What is sharded: every trainable parameter (each one flattened and split by ShardSpec), its
 * gradient and its AdamW state. A rank keeps only its shards between steps; the live parameter
 * tensors the model computes with are emptied (storage freed, autograd identity kept) and refilled
 * by an all-gather right before they are needed:
 *  - decoder layer i's trainable parameters before layer i's forward and again before its recompute
 *    in the backward pass (the model runs with per-layer gradient checkpointing, which install()
 *    turns on: the recompute is where the layer's parameters are gathered for the backward);
 *  - parameters outside the decoder layers (embeddings, final norm, head) at the start of each
 *    step, for the whole step;
 * at most two decoder layers are materialised at a time (the one running and the one before).
 * Gradients are reduce-scattered (summed) per layer as soon as the backward has left that layer;
 * each rank then clips with the global norm (squared norms summed over ranks) and updates its own
 * shards with AdamW; the next step gathers the new values.
 *
 * LoRA: only trainable tensors are sharded (the adapters); the frozen base model stays replicated
 * on every rank (DeepSpeed shards it as well; here it is usually bf16/NF4 and not in the
 * optimizer, so its share of the memory is what replicating costs).
 *
 * Checkpoints: gathered, not written per rank. Every rank takes part in gathering the full
 * parameters and the full AdamW state; rank 0 writes them exactly as a one-process run does (HF
 * safetensors, optimizer.safetensors with <param>.exp_avg/.exp_avg_sq of the parameter's shape),
 * so one process resumes a sharded checkpoint and a sharded run resumes a one-process checkpoint
 * (each rank slices its shard from the full state).
 *
 * Partitioned optimizer (ZeRO stages 1-2, {@code keepGathered}): the same shards of gradients and
 * AdamW state, but every rank keeps the full parameters: the backward accumulates full gradients,
 * which are reduce-scattered per layer after it; each rank updates its shards and the updated
 * parameters are all-gathered once per step. No layer hook, no recompute, no collectives inside
 * forwards (so generation in GRPO/PPO works); the optimizer's work and memory fall to 1/N.
 *
 * Simplified against DeepSpeed/FSDP: parameters are gathered in fp32 (the master dtype), one
 * collective per layer (no prefetch of the next layer on a side stream, so gathers do not overlap
 * with compute); evaluation and saving gather the whole model on every rank for their duration;
 * forwards whose number differs between ranks (generation in GRPO/PPO) are not supported, since
 * every gather is a collective (Training refuses ZeRO-3 for the online algorithms).
 */
package ai.fairl.train;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import ai.fairl.engine.ProcessGroup;
import ai.fairl.model.LayerHook;
import ai.fairl.model.TransformerModel;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One rank of a fully sharded (ZeRO-3) job. */
public final class FullySharded implements DataParallel {
  private static final Logger LOG = LoggerFactory.getLogger(FullySharded.class);
  private static final Pattern LAYER = Pattern.compile("(?:^|\\.)layers\\.(\\d+)\\.");

  /** The group of parameters outside the decoder layers. */
  static final int OUTSIDE = -1;

  /** Decoder layers materialised at once (the running one and the one before). */
  private static final int LAYERS_GATHERED = 2;

  private final ProcessGroup group;
  private final Device device;
  private final int rank;
  private final int world;
  private NDManager home;
  private final Map<String, NDArray> full = new LinkedHashMap<>(); // the model's live tensors
  private final Map<String, Shard> shards = new LinkedHashMap<>();
  private final TreeMap<Integer, List<String>> groups = new TreeMap<>(); // layer -> names
  private final LinkedHashSet<Integer> gathered = new LinkedHashSet<>(); // LRU order
  private final TreeSet<Integer> dirty = new TreeSet<>(); // layers with unreduced gradients
  private final boolean keepGathered;
  private boolean pinned;
  private boolean pinning;
  private long gatherCount;
  private long reduceCount;

  /** One rank's part of one parameter: values and gradient of {@code (shardSize,)}. */
  private record Shard(String name, Shape shape, ShardSpec spec, NDArray data, NDArray grad) {}

  FullySharded(ProcessGroup group, Device device) {
    this(group, device, false);
  }

  /**
   * @param keepGathered true: parameters stay replicated (ZeRO stage 2: gradients and optimizer
   *     state partitioned); false: parameters sharded too (stage 3)
   */
  FullySharded(ProcessGroup group, Device device, boolean keepGathered) {
    this.keepGathered = keepGathered;
    this.group = group;
    this.device = device;
    this.rank = group.rank();
    this.world = group.size();
  }

  /** The decoder layer a parameter belongs to ({@code ...layers.<i>....}), or -1. */
  static int layerOf(String name) {
    Matcher m = LAYER.matcher(name);
    return m.find() ? Integer.parseInt(m.group(1)) : OUTSIDE;
  }

  @Override
  public int rank() {
    return rank;
  }

  @Override
  public int worldSize() {
    return world;
  }

  @Override
  public boolean lockstep() {
    return !keepGathered; // stage 3 gathers inside forwards and backwards
  }

  /** Whether parameters stay replicated (ZeRO stage 2) rather than sharded (stage 3). */
  public boolean parametersReplicated() {
    return keepGathered;
  }

  /**
   * Makes {@code model} gather its layers' shards before each layer runs: turns on per-layer
   * gradient checkpointing (the backward recomputes each layer, gathering it again) unless it is
   * already on, and wraps the model's layer hook.
   */
  public void install(TransformerModel model) {
    if (keepGathered) {
      return; // parameters stay whole: nothing to gather per layer
    }
    LayerHook inner = model.layerHook();
    if (!(inner instanceof GradientCheckpointing)) {
      inner = GradientCheckpointing.enable(model);
    }
    LayerHook checkpointing = inner;
    model.setLayerHook(
        new LayerHook() {
          @Override
          public NDArray run(int layerIndex, NDArray hidden, UnaryOperator<NDArray> block) {
            return run(layerIndex, hidden, block, false);
          }

          @Override
          public NDArray run(
              int layerIndex, NDArray hidden, UnaryOperator<NDArray> block, boolean training) {
            int[] calls = {0};
            UnaryOperator<NDArray> sharded =
                x -> {
                  if (calls[0]++ > 0) {
                    enteringBackward(layerIndex); // the checkpointed recompute
                  }
                  gather(layerIndex);
                  return block.apply(x);
                };
            return checkpointing.run(layerIndex, hidden, sharded, training);
          }
        });
  }

  @Override
  public double[] sum(double[] values) {
    return group.sum(values, device);
  }

  @Override
  public Map<String, NDArray> optimizerParameters(Map<String, NDArray> params) {
    if (home != null) {
      throw new IllegalStateException("optimizerParameters was already called for this job");
    }
    home = NDManager.newBaseManager(device);
    Map<String, NDArray> out = new LinkedHashMap<>();
    for (Map.Entry<String, NDArray> e : params.entrySet()) {
      String name = e.getKey();
      NDArray p = e.getValue();
      if (p.getDataType() != DataType.FLOAT32) {
        throw new IllegalStateException(
            "parameter " + name + " is " + p.getDataType() + ", expected float32 master weights");
      }
      Shape shape = p.getShape(); // cached by DJL: stays the full shape while the data is empty
      ShardSpec spec = ShardSpec.of(shape.size(), world);
      NDArray data;
      boolean gradMode = JniUtils.isGradMode();
      JniUtils.setGradMode(false);
      try (NDScope scope = new NDScope()) {
        data = slice(p.stopGradient(), spec).duplicate(); // (shardSize,) own storage
        data.attach(home);
        NDScope.unregister(data);
      } finally {
        JniUtils.setGradMode(gradMode);
      }
      data.setRequiresGradient(true);
      NDArray grad = home.zeros(new Shape(spec.shardSize()), DataType.FLOAT32); // (shardSize,)
      ProcessGroup.setGradient(data, grad);
      NDScope.unregister(grad);
      shards.put(name, new Shard(name, shape, spec, data, grad));
      full.put(name, p);
      groups.computeIfAbsent(layerOf(name), k -> new ArrayList<>()).add(name);
      out.put(name, data);
    }
    long total = shards.values().stream().mapToLong(s -> s.spec().numel()).sum();
    LOG.info(
        "fully sharded over {} ranks: {} trainable parameters ({} elements) in {} groups, {}"
            + " elements per rank",
        world,
        shards.size(),
        total,
        groups.size(),
        shards.values().stream().mapToLong(s -> s.spec().shardSize()).sum());
    return out;
  }

  /** Rank 0's full values to every rank, then sharded: each keeps its slice, full tensors freed. */
  @Override
  public void broadcastParameters(Map<String, NDArray> params) {
    requireShards();
    for (NDArray p : full.values()) {
      group.broadcast(p, 0);
    }
    copyShardsFromFull();
    if (keepGathered) {
      groups.keySet().forEach(gathered::add);
      pinned = true;
      return;
    }
    releaseAll();
  }

  @Override
  public void beforeStep() {
    if (!pinned) {
      gather(OUTSIDE);
    }
  }

  @Override
  public void sumGradients(Map<String, NDArray> params) {
    requireShards();
    for (int g : groups.descendingKeySet()) {
      if (dirty.contains(g) || g == OUTSIDE || anyGradient(g)) {
        reduce(g);
      }
    }
    dirty.clear();
  }

  @Override
  public void abandonGradients(Map<String, NDArray> params) {
    for (NDArray p : full.values()) {
      ProcessGroup.setGradient(p, null);
    }
    dirty.clear();
  }

  @Override
  public double globalSquaredNorm(double localSquared) {
    return sum(new double[] {localSquared})[0];
  }

  @Override
  public void afterOptimizerStep() {
    if (keepGathered) {
      for (int g : groups.keySet()) {
        allGatherInto(g); // every rank's updated shards into the replicated parameters
      }
      return;
    }
    releaseAll(); // the gathered values are stale now
  }

  @Override
  public void gatherParameters() {
    requireShards();
    if (pinned || keepGathered) {
      return;
    }
    pinning = true;
    try {
      for (int g : groups.keySet()) {
        gather(g);
      }
    } finally {
      pinning = false;
    }
    pinned = true;
  }

  @Override
  public void releaseParameters() {
    if (keepGathered) {
      return;
    }
    pinned = false;
    releaseAll();
  }

  @Override
  public void barrier() {
    group.barrier();
  }

  /** Bytes this rank holds for parameters, gradients and AdamW state of its shards. */
  long shardBytes() {
    return shards.values().stream().mapToLong(s -> s.spec().shardSize()).sum() * 4L * 4L;
  }

  /** Bytes the same tensors take unsharded: parameters, gradients, AdamW's two moments. */
  long unshardedBytes() {
    return shards.values().stream().mapToLong(s -> s.spec().numel()).sum() * 4L * 4L;
  }

  /** Collectives issued so far: all-gathers and reduce-scatters (tests, logs). */
  long[] collectives() {
    return new long[] {gatherCount, reduceCount};
  }

  /**
   * Gathers the full AdamW state (every rank takes part): {@code <param>.exp_avg} and {@code
   * .exp_avg_sq} with the parameter's shape, in {@code into}.
   */
  Map<String, NDArray> gatherOptimizerState(AdamW opt, NDManager into) {
    requireShards();
    Map<String, NDArray> out = new LinkedHashMap<>();
    boolean grad = JniUtils.isGradMode();
    JniUtils.setGradMode(false);
    try {
      for (Shard s : shards.values()) {
        for (String suffix : List.of(".exp_avg", ".exp_avg_sq")) {
          NDArray local = (suffix.equals(".exp_avg") ? opt.expAvg() : opt.expAvgSq()).get(s.name());
          try (NDScope scope = new NDScope()) {
            NDArray all = group.allGather(local); // (world * shardSize,)
            NDScope.register(all);
            NDArray v =
                all.get(new NDIndex("0:" + s.spec().numel()))
                    .reshape(s.shape())
                    .toDevice(Device.cpu(), true);
            v.attach(into);
            NDScope.unregister(v);
            out.put(s.name() + suffix, v);
          }
        }
      }
    } finally {
      JniUtils.setGradMode(grad);
    }
    return out;
  }

  /** Writes gathered optimizer state as a one-process AdamW writes it. */
  static void writeOptimizerState(Map<String, NDArray> state, Path file) throws IOException {
    NDList list = new NDList();
    state.forEach(
        (k, v) -> {
          v.setName(k);
          list.add(v);
        });
    try (OutputStream out = Files.newOutputStream(file)) {
      list.encode(out, NDList.Encoding.SAFETENSORS);
    }
  }

  /** Loads a full (one-process or gathered) {@code optimizer.safetensors}: each rank its slice. */
  void loadOptimizerState(AdamW opt, Path file, long stepsTaken) throws IOException {
    requireShards();
    try (NDManager tmp = NDManager.newBaseManager(device);
        InputStream in = Files.newInputStream(file)) {
      NDList list = NDList.decode(tmp, in);
      Map<String, NDArray> byName = new LinkedHashMap<>();
      for (NDArray a : list) {
        byName.put(a.getName(), a);
      }
      for (Shard s : shards.values()) {
        for (String suffix : List.of(".exp_avg", ".exp_avg_sq")) {
          NDArray a = byName.get(s.name() + suffix);
          if (a == null || !a.getShape().equals(s.shape())) {
            throw new IllegalStateException(
                file
                    + ": optimizer state '"
                    + s.name()
                    + suffix
                    + "' is "
                    + (a == null ? "missing" : "of shape " + a.getShape())
                    + ", expected "
                    + s.shape()
                    + "; the checkpoint belongs to a different model or LoRA setting");
          }
          NDArray into = (suffix.equals(".exp_avg") ? opt.expAvg() : opt.expAvgSq()).get(s.name());
          ProcessGroup.setData(
              into,
              slice(a.toType(DataType.FLOAT32, false).toDevice(device, false), s.spec())
                  .duplicate());
        }
      }
    }
    opt.setSteps(stepsTaken);
  }

  @Override
  public void close() {
    if (home != null) {
      home.close();
    }
    group.close();
  }

  // ------------------------------------------------------------------------------------------

  private void requireShards() {
    if (home == null) {
      throw new IllegalStateException(
          "fully sharded: optimizerParameters(params) must come first (it makes the shards)");
    }
  }

  /** This rank's (shardSize,) slice of a full tensor, zero-padded. */
  private NDArray slice(NDArray fullValue, ShardSpec spec) {
    NDArray flat = fullValue.reshape(-1);
    long start = spec.start(rank);
    long valid = spec.validLength(rank);
    NDArray part =
        valid > 0
            ? flat.get(new NDIndex(start + ":" + (start + valid)))
            : flat.getManager().zeros(new Shape(0), flat.getDataType(), flat.getDevice());
    if (valid < spec.shardSize()) {
      NDArray pad =
          flat.getManager()
              .zeros(new Shape(spec.shardSize() - valid), flat.getDataType(), flat.getDevice());
      part = part.concat(pad);
    }
    return part;
  }

  private void copyShardsFromFull() {
    boolean grad = JniUtils.isGradMode();
    JniUtils.setGradMode(false);
    try (NDScope scope = new NDScope()) {
      for (Shard s : shards.values()) {
        NDArray p = full.get(s.name());
        ProcessGroup.setData(s.data(), slice(p.stopGradient(), s.spec()).duplicate());
      }
    } finally {
      JniUtils.setGradMode(grad);
    }
  }

  private void gather(int g) {
    List<String> names = groups.get(g);
    if (names == null) {
      return; // nothing trainable in this layer (LoRA on other modules)
    }
    if (gathered.contains(g)) {
      gathered.remove(g); // most recently used
      gathered.add(g);
      return;
    }
    if (pinned) {
      throw new IllegalStateException("fully sharded: group " + g + " missing while pinned");
    }
    allGatherInto(g);
    gathered.add(g);
    if (g != OUTSIDE && !pinning) {
      List<Integer> layers = gathered.stream().filter(x -> x != OUTSIDE).toList();
      for (int i = 0; i < layers.size() - LAYERS_GATHERED; i++) {
        release(layers.get(i));
      }
    }
  }

  /** All-gathers group {@code g}'s shards into its live parameters (one collective). */
  private void allGatherInto(int g) {
    List<String> names = groups.get(g);
    boolean grad = JniUtils.isGradMode();
    JniUtils.setGradMode(false);
    try (NDManager tmp = home.newSubManager();
        NDScope scope = new NDScope()) {
      NDList parts = new NDList();
      long width = 0;
      for (String n : names) {
        Shard s = shards.get(n);
        parts.add(s.data().stopGradient());
        width += s.spec().shardSize();
      }
      NDArray flat = parts.size() == 1 ? parts.head() : NDArrays.concat(parts); // (width,)
      flat.attach(tmp);
      NDArray all = group.allGather(flat).reshape(world, width); // (world, width)
      long off = 0;
      for (String n : names) {
        Shard s = shards.get(n);
        long w = s.spec().shardSize();
        NDArray cols = all.get(new NDIndex(":, " + off + ":" + (off + w))); // (world, w)
        NDArray v = cols.reshape(-1).get(new NDIndex("0:" + s.spec().numel())).reshape(s.shape());
        ProcessGroup.setData(full.get(n), v);
        off += w;
      }
      gatherCount++;
    } finally {
      JniUtils.setGradMode(grad);
    }
  }

  private void release(int g) {
    for (String n : groups.get(g)) {
      ProcessGroup.releaseData(full.get(n));
    }
    gathered.remove(g);
  }

  private void releaseAll() {
    for (int g : new ArrayList<>(gathered)) {
      release(g);
    }
  }

  /** The backward reaches layer {@code layer}: layers it has left have complete gradients. */
  private void enteringBackward(int layer) {
    for (int d : new ArrayList<>(dirty)) {
      if (d != layer) {
        reduce(d);
        dirty.remove(d);
      }
    }
    if (groups.containsKey(layer)) {
      dirty.add(layer);
    }
  }

  private boolean anyGradient(int g) {
    for (String n : groups.get(g)) {
      if (ProcessGroup.gradientDefined(full.get(n))) {
        return true;
      }
    }
    return false;
  }

  /** Sums group {@code g}'s full gradients over the ranks into the shards' gradients. */
  private void reduce(int g) {
    List<String> names = groups.get(g);
    if (names == null) {
      return;
    }
    boolean grad = JniUtils.isGradMode();
    JniUtils.setGradMode(false);
    try (NDManager tmp = home.newSubManager();
        NDScope scope = new NDScope()) {
      NDList cols = new NDList();
      long width = 0;
      for (String n : names) {
        Shard s = shards.get(n);
        NDArray p = full.get(n);
        NDArray gr =
            ProcessGroup.gradientDefined(p)
                ? p.getGradient().reshape(-1)
                : tmp.zeros(new Shape(s.spec().numel()), DataType.FLOAT32, p.getDevice());
        if (s.spec().padding() > 0) {
          gr = gr.concat(tmp.zeros(new Shape(s.spec().padding()), DataType.FLOAT32, p.getDevice()));
        }
        cols.add(gr.reshape(world, s.spec().shardSize())); // (world, shardSize)
        width += s.spec().shardSize();
      }
      NDArray mat = cols.size() == 1 ? cols.head() : NDArrays.concat(cols, 1); // (world, width)
      mat.attach(tmp);
      NDArray mine = group.reduceScatter(mat.reshape(-1), ProcessGroup.ReduceOp.SUM); // (width,)
      long off = 0;
      for (String n : names) {
        Shard s = shards.get(n);
        long w = s.spec().shardSize();
        s.grad().addi(mine.get(new NDIndex(off + ":" + (off + w))));
        ProcessGroup.setGradient(full.get(n), null);
        off += w;
      }
      reduceCount++;
    } finally {
      JniUtils.setGradMode(grad);
    }
  }
}
