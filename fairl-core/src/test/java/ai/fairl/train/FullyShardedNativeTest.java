/*
 * Full sharding (ZeRO-3 semantics), the partitioned optimizer (ZeRO-2) and overlapped data
 * parallel for real on the CPU: worker JVMs
 * (ShardedWorker) started with torchrun's variables train a tiny Llama over fairl-native's Gloo
 * process group and are compared with one process running the same global batch (twice the
 * gradient accumulation). Tagged "native": fairl-native/test-cpu.sh runs it with fairl-native.
 */
package ai.fairl.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.fairl.engine.EngineInfo;
import ai.fairl.engine.ProcessGroup;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.lang.management.ManagementFactory;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@Tag("native")
class FullyShardedNativeTest {
  private static final int STEPS = 5;

  @BeforeAll
  static void onFairlNative() {
    assertTrue(
        EngineInfo.current().isFairlNative(),
        "needs fairl-native, but DJL runs on " + EngineInfo.current().describe());
    assertTrue(
        ProcessGroup.available().contains(ProcessGroup.Backend.GLOO),
        "this fairl-native has no Gloo process group (install libgloo-dev and rebuild)");
  }

  /** A started job: its processes and where each writes its result. */
  private record Job(List<Process> procs, List<Path> results, List<Path> logs) {
    List<JsonObject> await() throws Exception {
      List<JsonObject> out = new ArrayList<>();
      for (int i = 0; i < procs.size(); i++) {
        Process p = procs.get(i);
        boolean done = p.waitFor(240, TimeUnit.SECONDS);
        String log = Files.exists(logs.get(i)) ? Files.readString(logs.get(i)) : "";
        if (!done) {
          procs.forEach(Process::destroyForcibly);
        }
        assertTrue(done, "worker " + i + " timed out:\n" + tail(log));
        assertEquals(0, p.exitValue(), "worker " + i + " failed:\n" + tail(log));
        out.add(
            JsonParser.parseString(Files.readString(results.get(i), StandardCharsets.UTF_8))
                .getAsJsonObject());
      }
      return out;
    }
  }

  private static String tail(String s) {
    return s.length() > 6000 ? s.substring(s.length() - 6000) : s;
  }

  /** Starts {@code world} workers (1: a plain process) with the given worker arguments. */
  private static Job start(
      Path dir,
      String name,
      int world,
      String mode,
      int accum,
      int save,
      String resume,
      boolean lora)
      throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    List<Process> procs = new ArrayList<>();
    List<Path> results = new ArrayList<>();
    List<Path> logs = new ArrayList<>();
    for (int rank = 0; rank < world; rank++) {
      List<String> cmd = new ArrayList<>();
      cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
        if (!a.startsWith("-agentlib") && !a.startsWith("-javaagent") && !a.startsWith("-Xrun")) {
          cmd.add(a);
        }
      }
      cmd.add("-Dai.djl.offline=true");
      cmd.add("-cp");
      cmd.add(System.getProperty("java.class.path"));
      cmd.add(ShardedWorker.class.getName());
      Path result = dir.resolve(name + "-rank" + rank + ".json");
      Path log = dir.resolve(name + "-rank" + rank + ".log");
      cmd.addAll(
          List.of(
              result.toString(),
              dir.resolve(name).toString(),
              mode,
              Integer.toString(accum),
              Integer.toString(STEPS),
              Integer.toString(save),
              resume == null ? "-" : resume,
              lora ? "1" : "0"));
      ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
      pb.redirectOutput(log.toFile());
      Map<String, String> env = pb.environment();
      env.put("OMP_NUM_THREADS", "1");
      env.put("CUDA_VISIBLE_DEVICES", "");
      if (world > 1) {
        env.putAll(new WorldEnv(rank, rank, world, world, "127.0.0.1", port).toEnv());
      } else {
        List.of(
                "RANK",
                "LOCAL_RANK",
                "WORLD_SIZE",
                "LOCAL_WORLD_SIZE",
                "MASTER_ADDR",
                "MASTER_PORT")
            .forEach(env::remove);
      }
      procs.add(pb.start());
      results.add(result);
      logs.add(log);
    }
    return new Job(procs, results, logs);
  }

  private static double[] doubles(JsonObject o, String key) {
    JsonArray a = o.getAsJsonArray(key);
    double[] d = new double[a.size()];
    for (int i = 0; i < d.length; i++) {
      d[i] = a.get(i).getAsDouble();
    }
    return d;
  }

  private static void sameLosses(double[] want, double[] got, int from, String what) {
    for (int i = 0; i < got.length; i++) {
      double w = want[from + i];
      assertEquals(
          w, got[i], 1e-5 * Math.max(1, Math.abs(w)), what + ": loss at step " + (from + i + 1));
    }
  }

  private static void sameWeights(JsonObject want, JsonObject got, String what) {
    JsonObject a = want.getAsJsonObject("checksums");
    JsonObject b = got.getAsJsonObject("checksums");
    assertEquals(a.keySet(), b.keySet(), what + ": parameter names");
    for (String k : a.keySet()) {
      double x = a.get(k).getAsDouble();
      assertEquals(x, b.get(k).getAsDouble(), 1e-4 * Math.max(1, Math.abs(x)), what + ": " + k);
    }
  }

  @Test
  void shardedAndOverlappedRunsMatchOneProcessAndCheckpointsCrossOver(@TempDir Path dir)
      throws Exception {
    // round 1: one process (accumulation 2) against two ranks (accumulation 1), the same global
    // batch: fully sharded, data parallel overlapped and not; each checkpoints at step 3
    Job single = start(dir, "single", 1, "single", 2, 3, null, false);
    Job zero3 = start(dir, "zero3", 2, "zero3", 1, 3, null, false);
    Job overlap = start(dir, "overlap", 2, "overlap", 1, 0, null, false);
    Job sync = start(dir, "sync", 2, "sync", 1, 0, null, false);
    Job zero2 = start(dir, "zero2", 2, "zero2", 1, 0, null, false);
    JsonObject one = single.await().get(0);
    List<JsonObject> z = zero3.await();
    List<JsonObject> ov = overlap.await();
    List<JsonObject> sy = sync.await();
    List<JsonObject> z2 = zero2.await();
    double[] want = doubles(one, "losses");
    assertEquals(STEPS, want.length);

    sameLosses(want, doubles(z.get(0), "losses"), 0, "zero3");
    sameWeights(one, z.get(0), "zero3 rank 0 after the run (gathered)");
    sameWeights(one, z.get(1), "zero3 rank 1 after the run (gathered)");
    for (int i = 0; i < STEPS; i++) {
      assertEquals(
          doubles(one, "grad_norms")[i],
          doubles(z.get(0), "grad_norms")[i],
          1e-4,
          "zero3 global grad norm at step " + (i + 1));
    }
    assertTrue(
        z.get(0).get("released_between_steps").getAsBoolean(),
        "every full parameter is freed between steps");
    long shard = z.get(0).get("shard_bytes").getAsLong();
    long whole = z.get(0).get("unsharded_bytes").getAsLong();
    assertTrue(
        shard <= whole / 2 + 4 * 4 * 64 && shard >= whole / 2,
        "parameter + gradient + AdamW bytes per rank about 1/2: " + shard + " of " + whole);
    assertTrue(z.get(0).get("reduce_scatters").getAsLong() > STEPS * 3L, z.get(0).toString());

    // partitioned optimizer (ZeRO-2): the same shards of gradients and AdamW state, parameters kept
    sameLosses(want, doubles(z2.get(0), "losses"), 0, "zero2");
    sameWeights(one, z2.get(1), "zero2 rank 1");
    assertEquals(shard, z2.get(1).get("shard_bytes").getAsLong(), "zero2 shards as zero3 does");
    assertTrue(!z2.get(0).get("released_between_steps").getAsBoolean());

    sameLosses(want, doubles(ov.get(0), "losses"), 0, "overlapped data parallel");
    sameWeights(one, ov.get(0), "overlapped data parallel");
    assertTrue(
        ov.get(0).get("overlapped_buckets").getAsLong() > 0,
        "some buckets were all-reduced while the backward ran: " + ov.get(0));
    // overlapped and after-backward reductions sum the same buffers: identical results
    assertEquals(ov.get(0).get("losses"), sy.get(0).get("losses"), "overlap vs sync losses");
    assertEquals(ov.get(0).get("checksums"), sy.get(0).get("checksums"), "overlap vs sync weights");

    // round 2: the sharded checkpoint resumes on one process, the one-process one on two ranks
    Path zck = dir.resolve("zero3").resolve("checkpoint-3");
    Path sck = dir.resolve("single").resolve("checkpoint-3");
    assertTrue(Files.isRegularFile(zck.resolve("optimizer.safetensors")), "rank 0 wrote it");
    Job fromSharded = start(dir, "resume1", 1, "single", 2, 0, zck.toString(), false);
    Job fromSingle = start(dir, "resume2", 2, "zero3", 1, 0, sck.toString(), false);
    JsonObject r1 = fromSharded.await().get(0);
    List<JsonObject> r2 = fromSingle.await();
    // a resumed run's history holds the checkpoint's steps 1-3 and its own 4-5
    assertEquals(STEPS, doubles(r1, "losses").length);
    sameLosses(want, doubles(r1, "losses"), 0, "one process resumed from the sharded checkpoint");
    sameWeights(one, r1, "one process resumed from the sharded checkpoint");
    assertEquals(STEPS, doubles(r2.get(0), "losses").length);
    sameLosses(want, doubles(r2.get(0), "losses"), 0, "sharded run resumed from one process");
    sameWeights(one, r2.get(1), "sharded run resumed from one process");
  }

  @Test
  void shardedLoraMatchesOneProcess(@TempDir Path dir) throws Exception {
    Job single = start(dir, "single", 1, "single", 2, 0, null, true);
    Job zero3 = start(dir, "zero3", 2, "zero3", 1, 0, null, true);
    JsonObject one = single.await().get(0);
    List<JsonObject> z = zero3.await();
    sameLosses(doubles(one, "losses"), doubles(z.get(0), "losses"), 0, "zero3 LoRA");
    sameWeights(one, z.get(1), "zero3 LoRA adapters");
    assertTrue(z.get(0).get("released_between_steps").getAsBoolean());
  }
}
