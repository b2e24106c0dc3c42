package ai.fairl.train;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.fairl.data.Collators;
import ai.fairl.data.TokenizedExample;
import ai.fairl.model.TransformerConfig;
import ai.fairl.model.TransformerModel;
import ai.fairl.model.lora.LoraConfig;
import ai.fairl.model.lora.LoraModel;
import ai.fairl.train.sft.SftObjective;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * One process of FullyShardedNativeTest: trains a tiny Llama (full fine-tune or LoRA) for a few SFT
 * steps as one process or as one rank of a job described by torchrun's variables, and writes what
 * the test compares (losses, grad norms, final parameter checksums, shard bytes, whether the full
 * parameters were freed between steps) as JSON.
 *
 * <p>Args: result.json output_dir mode(single|overlap|sync|zero3) accumulation steps save_steps
 * resume(path or -) lora(0|1)
 */
final class ShardedWorker {
  private ShardedWorker() {}

  public static void main(String[] a) throws Exception {
    Path result = Path.of(a[0]);
    Path out = Path.of(a[1]);
    String mode = a[2];
    int accum = Integer.parseInt(a[3]);
    int steps = Integer.parseInt(a[4]);
    int save = Integer.parseInt(a[5]);
    String resume = a[6].equals("-") ? null : a[6];
    boolean lora = a[7].equals("1");
    WorldEnv world = WorldEnv.fromEnv(System.getenv()).orElse(WorldEnv.single());
    PrintStream console = System.out;
    ai.djl.engine.Engine.getInstance(); // loads the natives
    JniUtils.setGradMode(false);
    Random r = new Random(5);
    List<TokenizedExample> rows = new ArrayList<>();
    for (int i = 0; i < 64; i++) {
      long[] ids = new long[10];
      boolean[] trained = new boolean[10];
      for (int t = 0; t < ids.length; t++) {
        ids[t] = 1 + r.nextInt(60);
        trained[t] = t >= 1 + (i % 5); // rows carry different numbers of loss tokens
      }
      rows.add(new TokenizedExample(ids, trained));
    }
    DataParallel dp =
        world.worldSize() == 1
            ? DataParallel.single()
            : switch (mode) {
              case "zero3" -> Training.dataParallel(world, Device.cpu(), 4096, 3, console);
              case "zero2" -> Training.dataParallel(world, Device.cpu(), 4096, 2, console);
              case "overlap" -> Training.dataParallel(world, Device.cpu(), 4096, 0, console);
              case "sync" ->
                  ((ReplicatedGradients)
                          Training.dataParallel(world, Device.cpu(), 4096, 0, console))
                      .withoutOverlap();
              default -> throw new IllegalArgumentException("mode " + mode);
            };
    try (dp;
        NDManager root = NDManager.newBaseManager(Device.cpu());
        TransformerModel m =
            TransformerModel.create(
                TransformerConfig.tiny("llama", 64, 32, 3), root, DataType.FLOAT32, 11)) {
      LoraModel lm = null;
      Trainable trainable;
      if (lora) {
        m.setRequiresGrad(false);
        lm =
            LoraModel.inject(
                m,
                new LoraConfig(
                    4,
                    8,
                    0.0,
                    List.of("q_proj", "v_proj", "down_proj"),
                    null,
                    null,
                    LoraConfig.Bias.NONE),
                7,
                "tiny");
        trainable = lm;
      } else {
        trainable = new FullFineTune(m, null);
      }
      if (dp instanceof FullySharded fs && !fs.parametersReplicated()) {
        fs.install(m);
      } else {
        GradientCheckpointing.enable(m); // the same numerics as the sharded run (recompute)
      }
      ListSource<TokenizedExample, TokenBatch> src =
          new ListSource<>(rows, 2, l -> Collators.tokens(l, 0), 1, false, false);
      TrainConfig.Builder cb =
          TrainConfig.builder(out)
              .algorithm("sft")
              .learningRate(5e-3)
              .warmupSteps(1)
              .weightDecay(0.01)
              .maxGradNorm(0.5)
              .gradientAccumulationSteps(accum)
              .maxSteps(steps)
              .loggingSteps(1)
              .saveSteps(save);
      if (resume != null) {
        cb.resumeFromCheckpoint(resume);
      }
      boolean[] released = {true};
      Map<String, NDArray> live = trainable.parameters();
      TrainListener check =
          new TrainListener() {
            @Override
            public void onStep(int step, double epoch, Map<String, Double> metrics) {
              for (NDArray p : live.values()) {
                if (JniUtils.getShape((PtNDArray) p).size() != 0) {
                  released[0] = false;
                }
              }
            }
          };
      TrainResult res =
          new TrainLoop(cb.build(), List.of(check, new MetricsJsonl()), null, dp)
              .run(new TrainTask<>(new SftObjective(logits(m)), trainable, src, null));
      JsonObject o = new JsonObject();
      o.addProperty("rank", dp.rank());
      JsonArray losses = new JsonArray();
      JsonArray norms = new JsonArray();
      for (Map<String, Double> h : res.history()) {
        losses.add(h.get("loss"));
        norms.add(h.get("grad_norm"));
      }
      o.add("losses", losses);
      o.add("grad_norms", norms);
      JsonObject sums = new JsonObject();
      for (Map.Entry<String, NDArray> e : trainable.parameters().entrySet()) {
        float[] v = e.getValue().toFloatArray();
        double s = 0;
        for (int i = 0; i < v.length; i++) {
          s += v[i] * (1 + (i % 7));
        }
        sums.addProperty(e.getKey(), s);
      }
      o.add("checksums", sums);
      o.addProperty(
          "released_between_steps",
          dp instanceof FullySharded fsd && !fsd.parametersReplicated() && released[0]);
      if (dp instanceof FullySharded fs) {
        o.addProperty("shard_bytes", fs.shardBytes());
        o.addProperty("unsharded_bytes", fs.unshardedBytes());
        o.addProperty("gathers", fs.collectives()[0]);
        o.addProperty("reduce_scatters", fs.collectives()[1]);
      }
      if (dp instanceof ReplicatedGradients rg) {
        o.addProperty("overlapped_buckets", rg.overlappedBuckets());
      }
      Files.writeString(result, o.toString(), StandardCharsets.UTF_8);
      if (lm != null) {
        lm.close();
      }
    }
  }

  private static LogitsFunction logits(TransformerModel m) {
    return (ids, mask, training) -> m.forward(ids, mask, null, null, training).logits();
  }
}
