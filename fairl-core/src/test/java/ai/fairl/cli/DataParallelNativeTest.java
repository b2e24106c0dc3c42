package ai.fairl.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.fairl.engine.EngineInfo;
import ai.fairl.engine.ProcessGroup;
import ai.fairl.train.WorldEnv;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Data parallel for real on the CPU: two worker JVMs started with torchrun's variables (as torchrun
 * or fai-rl-train --num-gpus would) train the tiny SFT recipe over fairl-native's Gloo process
 * group, and match one process with twice the gradient accumulation (the same global batch) step by
 * step. Tagged "native": fairl-native/test-cpu.sh runs it with fairl-native loaded.
 */
@Tag("native")
class DataParallelNativeTest {

  private static final int STEPS = 6;

  private static List<String> args(Path out, int accumulation) {
    return List.of(
        "--recipe",
        "recipes/training/sft/tiny_sft.yaml",
        "training.output_dir=" + out,
        "training.max_steps=" + STEPS,
        "training.per_device_train_batch_size=2",
        "training.gradient_accumulation_steps=" + accumulation,
        "training.save_steps=3");
  }

  private static ProcessBuilder worker(List<String> args, WorldEnv world) {
    Path root = CliRun.root();
    ProcessBuilder pb =
        new ProcessBuilder(TrainCommand.workerCommand(args.toArray(String[]::new)))
            .directory(root.toFile());
    pb.environment().put("CUDA_VISIBLE_DEVICES", "");
    pb.environment().put("OMP_NUM_THREADS", "1");
    if (world != null) {
      pb.environment().putAll(world.toEnv());
    }
    return pb;
  }

  private static List<JsonObject> metrics(Path out) throws Exception {
    List<JsonObject> rows = new ArrayList<>();
    for (String line : Files.readAllLines(out.resolve("metrics.jsonl"))) {
      JsonObject o = JsonParser.parseString(line).getAsJsonObject();
      if (o.has("loss")) {
        rows.add(o);
      }
    }
    return rows;
  }

  @Test
  void twoGlooWorkersMatchOneProcessWithTheSameGlobalBatch(@TempDir Path dir) throws Exception {
    assertTrue(
        EngineInfo.current().isFairlNative(),
        "needs fairl-native, but DJL runs on " + EngineInfo.current().describe());
    assertTrue(
        ProcessGroup.available().contains(ProcessGroup.Backend.GLOO),
        "this fairl-native has no Gloo process group (install libgloo-dev and rebuild)");
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    Path one = dir.resolve("one");
    Path two = dir.resolve("two");
    int port = Workers.freePort();
    try {
      Workers.run(
          List.of(worker(args(one, 2), null)),
          0,
          new PrintWriter(out),
          new PrintWriter(err),
          Duration.ofMinutes(5),
          Duration.ofSeconds(5));
      Workers.run(
          List.of(
              worker(args(two, 1), new WorldEnv(0, 0, 2, 2, "127.0.0.1", port)),
              worker(args(two, 1), new WorldEnv(1, 1, 2, 2, "127.0.0.1", port))),
          0,
          new PrintWriter(out),
          new PrintWriter(err),
          Duration.ofMinutes(5),
          Duration.ofSeconds(5));
    } catch (Workers.Failure f) {
      throw new AssertionError(f.getMessage() + "\n--- stdout\n" + out + "--- stderr\n" + err, f);
    }
    String log = out + "\n" + err;
    assertTrue(log.contains("data parallel: 2 ranks over gloo"), log);
    List<JsonObject> a = metrics(one);
    List<JsonObject> b = metrics(two);
    assertEquals(STEPS, a.size(), log);
    assertEquals(STEPS, b.size(), "rank 0 alone writes metrics.jsonl\n" + log);
    for (int i = 0; i < STEPS; i++) {
      double la = a.get(i).get("loss").getAsDouble();
      double lb = b.get(i).get("loss").getAsDouble();
      assertEquals(la, lb, 1e-4 * Math.max(1, Math.abs(la)), "loss at step " + (i + 1));
      assertEquals(
          a.get(i).get("grad_norm").getAsDouble(),
          b.get(i).get("grad_norm").getAsDouble(),
          1e-3 * Math.max(1, a.get(i).get("grad_norm").getAsDouble()),
          "grad_norm at step " + (i + 1));
      assertEquals(
          a.get(i).get("num_tokens").getAsLong(),
          b.get(i).get("num_tokens").getAsLong(),
          "tokens of the global batch at step " + (i + 1));
    }
    assertTrue(Files.isRegularFile(two.resolve("checkpoint-3/trainer_state.json")));
    String state = Files.readString(two.resolve("checkpoint-3/trainer_state.json"));
    assertTrue(state.contains("\"world_size\": 2"), state);
    assertTrue(Files.isRegularFile(two.resolve("model.safetensors")), "rank 0 saves the model");
    assertTrue(Files.isRegularFile(two.resolve("train.log")));
    assertFalse(
        Files.readString(two.resolve("train.log")).contains("[rank 1]"),
        "train.log is rank 0's console only");
  }
}
