package ai.fairl.notebook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Drives one fairl-java kernel process through the Java client, as a notebook front end does. */
class KernelSessionTest {
  static KernelClient kernel;
  static long startMs;
  static long firstReplyMs;

  @BeforeAll
  static void start() throws Exception {
    long t0 = System.nanoTime();
    kernel =
        KernelClient.start(
            KernelSpecs.ownKernelArgv(List.of("-Xmx512m", "-Dai.djl.offline=true"), null),
            Path.of(System.getProperty("fairl.root")),
            Map.of(
                "FAIRL_HOME", System.getProperty("fairl.root"),
                "FAIRL_DATASETS_DIR", System.getProperty("fairl.shared.data")),
            Duration.ofSeconds(60));
    startMs = (System.nanoTime() - t0) / 1_000_000;
    KernelClient.Reply r = kernel.execute("1 + 1", Duration.ofSeconds(60), m -> {});
    firstReplyMs = (System.nanoTime() - t0) / 1_000_000;
    assertEquals("ok", r.status());
    System.out.printf(
        "fairl-java start-up: kernel_info after %d ms, first execute reply after %d ms"
            + " (kernel CPU time by then: %d ms; load average %.1f)%n",
        startMs,
        firstReplyMs,
        kernel.kernelCpuMillis(),
        java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
  }

  @AfterAll
  static void stop() {
    if (kernel != null) {
      kernel.close();
    }
  }

  private static KernelClient.Reply run(String code) {
    return kernel.execute(code, Duration.ofSeconds(60), m -> {});
  }

  @Test
  void kernelInfoHasStatusAndJavaLanguage() {
    JsonObject info = kernel.kernelInfo(Duration.ofSeconds(10));
    assertEquals("ok", info.get("status").getAsString());
    assertEquals("java", info.getAsJsonObject("language_info").get("name").getAsString());
    assertEquals("fairl-java", info.get("implementation").getAsString());
  }

  @Test
  void printfIsOneStreamMessagePerLine() {
    KernelClient.Reply r =
        run(
            "System.out.printf(\"a=%d b=%s%n\", 1, \"x\");\nSystem.out.print(\"no newline \");\nSystem.out.print(\"yet\");");
    List<JsonObject> streams = r.messages("stream");
    assertEquals(
        2,
        streams.size(),
        "one message for the printf line, one for the unterminated tail: " + streams);
    assertEquals("a=1 b=x\n", streams.get(0).getAsJsonObject("content").get("text").getAsString());
    assertEquals(
        "no newline yet", streams.get(1).getAsJsonObject("content").get("text").getAsString());
  }

  @Test
  void displayCallsAndPrintfShowNoOutResult() {
    KernelClient.Reply r = run("display(Table.create(\"t\", DoubleColumn.create(\"a\", 1, 2)))");
    assertEquals(0, r.messages("execute_result").size(), "display(...) must not add an Out[]");
    JsonObject data =
        r.messages("display_data").get(0).getAsJsonObject("content").getAsJsonObject("data");
    assertTrue(data.get("text/html").getAsString().contains("<th>a</th>"), data.toString());
    assertEquals(0, run("System.out.printf(\"x%n\")").messages("execute_result").size());
    assertEquals(
        0, run("6 * 7;").messages("execute_result").size(), "a trailing ; suppresses Out[]");
    KernelClient.Reply v = run("int x = 6;\nx * 7");
    assertEquals(
        "42",
        v.messages("execute_result")
            .get(0)
            .getAsJsonObject("content")
            .getAsJsonObject("data")
            .get("text/plain")
            .getAsString());
  }

  @Test
  void chartsRenderAsPngAndSvgOnRequest() {
    String chart =
        "QuickChart.getChart(\"c\", \"x\", \"y\", \"s\", new double[] {1, 2, 3}, new double[] {1, 4, 9})";
    JsonObject png =
        run(chart)
            .messages("execute_result")
            .get(0)
            .getAsJsonObject("content")
            .getAsJsonObject("data");
    assertTrue(png.has("image/png"), png.keySet().toString());
    assertTrue(
        java.util.Base64.getDecoder().decode(png.get("image/png").getAsString()).length > 1000);
    JsonObject svg =
        run("display(" + chart + ", \"image/svg+xml\");")
            .messages("display_data")
            .get(0)
            .getAsJsonObject("content")
            .getAsJsonObject("data");
    assertTrue(svg.get("image/svg+xml").getAsString().contains("<svg"), svg.keySet().toString());
  }

  @Test
  void liveChartSendsUpdateDisplayData() {
    KernelClient.Reply r =
        run(
            "var live = LiveChart.create(\"loss\", \"step\", \"loss\", 0);\n"
                + "for (int s = 1; s <= 5; s++) live.add(\"loss\", s, 1.0 / s);\n"
                + "live.close();");
    assertEquals("ok", r.status(), r.iopub().toString());
    assertEquals(1, r.messages("display_data").size());
    assertTrue(
        r.messages("update_display_data").size() >= 3,
        "updates: " + r.messages("update_display_data").size());
  }

  @Test
  void trainingDisplayUpdatesInPlaceFromListenerEvents() {
    KernelClient.Reply r =
        run(
            "var d = new TrainingDisplay(0);\n"
                + "d.onStart(new TrainListener.RunInfo(\"grpo\", Path.of(\"out\"), 4, 0));\n"
                + "for (int s = 1; s <= 4; s++) d.onStep(s, s / 4.0, Map.of(\"loss\", 1.0 / s, \"reward\", s / 4.0));\n"
                + "d.onEnd(new TrainListener.EndInfo(4, \"completed\", Path.of(\"out\"), null));");
    assertEquals("ok", r.status(), r.iopub().toString());
    assertTrue(
        r.messages("update_display_data").size() >= 3,
        r.messages("update_display_data").toString());
  }

  @Test
  void errorsNameTheProblem() {
    KernelClient.Reply c = run("int y = \"text\";");
    assertEquals("error", c.status());
    assertEquals("CompilationException", c.content().get("ename").getAsString());
    assertTrue(
        c.content().get("evalue").getAsString().contains("incompatible types"),
        c.content().toString());
    KernelClient.Reply t = run("throw new IllegalArgumentException(\"bad lr\");");
    assertEquals("IllegalArgumentException", t.content().get("ename").getAsString());
    assertEquals("bad lr", t.content().get("evalue").getAsString());
    assertEquals("ok", run("1").status(), "the kernel stays usable after errors");
  }

  @Test
  void interruptTripsTheStopSignalAndTheKernelStaysUsable() throws Exception {
    // A stand-in for a training loop: announces that it listens, checks the signal between steps.
    String loop =
        "Notebook.runStarted();\n"
            + "int step = 0;\n"
            + "while (!Notebook.stopSignal().requested() && step < 6000) { Thread.sleep(5); step++; }\n"
            + "Notebook.runEnded();\n"
            + "System.out.println(\"stopped at step \" + step + \": \" + Notebook.stopSignal().reason());";
    CompletableFuture<KernelClient.Reply> cell =
        CompletableFuture.supplyAsync(() -> kernel.execute(loop, Duration.ofSeconds(60), m -> {}));
    Thread.sleep(1500);
    JsonObject ir = kernel.interrupt(Duration.ofSeconds(10));
    assertEquals("ok", ir.get("status").getAsString());
    KernelClient.Reply r = cell.get(30, TimeUnit.SECONDS);
    assertEquals("ok", r.status(), "a listening run ends normally at a step boundary");
    String out = r.messages("stream").get(0).getAsJsonObject("content").get("text").getAsString();
    assertTrue(out.contains("interrupted from the notebook"), out);
    assertTrue(!out.contains("step 6000"), out);
    // no run listening: the interrupt interrupts the thread (Thread.sleep throws)
    CompletableFuture<KernelClient.Reply> sleeper =
        CompletableFuture.supplyAsync(
            () -> kernel.execute("Thread.sleep(30000);", Duration.ofSeconds(60), m -> {}));
    Thread.sleep(1500);
    kernel.interrupt(Duration.ofSeconds(10));
    KernelClient.Reply s = sleeper.get(30, TimeUnit.SECONDS);
    assertEquals("InterruptedException", s.content().get("ename").getAsString());
    assertEquals("ok", run("2 + 2").status());
  }

  @Test
  void magicsShowTheirValueAndUnwiredOnesSayWhatIsMissing(@TempDir Path dir) throws Exception {
    Path run = dir.resolve("run-a");
    Files.createDirectories(run);
    Files.writeString(
        run.resolve("metrics.jsonl"),
        "{\"step\":1,\"loss\":2.0,\"reward\":0.1}\n{\"step\":2,\"loss\":1.5,\"reward\":0.3}\n");
    KernelClient.Reply c = run("%fairl_curve " + run);
    assertEquals("ok", c.status(), c.iopub().toString());
    assertTrue(
        c.messages("execute_result")
            .get(0)
            .getAsJsonObject("content")
            .getAsJsonObject("data")
            .has("image/png"));
    KernelClient.Reply m = run("%fairl_memory");
    assertTrue(
        m.messages("execute_result")
            .get(0)
            .getAsJsonObject("content")
            .getAsJsonObject("data")
            .get("text/html")
            .getAsString()
            .contains("VmHWM"));
    String recipe =
        System.getProperty("fairl.root") + "/recipes/training/grpo/tiny_arithmetic.yaml";
    long t0 = System.nanoTime();
    KernelClient.Reply rec = run("%fairl_recipe " + recipe + " training.learning_rate=2e-4");
    System.out.printf(
        "first %%fairl_recipe result after %d ms (kernel start to reply: %d ms + this)%n",
        (System.nanoTime() - t0) / 1_000_000, firstReplyMs);
    assertEquals("ok", rec.status(), rec.iopub().toString());
    String html =
        rec.messages("execute_result")
            .get(0)
            .getAsJsonObject("content")
            .getAsJsonObject("data")
            .get("text/html")
            .getAsString();
    assertTrue(html.contains("learning_rate</td><td>2.0E-4</td><td>override"), html);
  }

  @Test
  void fairlTrainMagicTrainsATinyRecipeWithLiveUpdates(@TempDir Path dir) {
    String recipe = System.getProperty("fairl.root") + "/recipes/training/sft/tiny_sft.yaml";
    KernelClient.Reply t =
        run(
            "%%fairl_train "
                + recipe
                + "\ntraining:\n  max_steps: 4\n  save_steps: 4\n  eval_steps: 4\n  output_dir: "
                + dir.resolve("sft"));
    assertEquals("ok", t.status(), t.content().toString() + t.messages("stream"));
    int updates = t.messages("update_display_data").size();
    System.out.println(
        "update_display_data messages in one %%fairl_train cell (4 steps): " + updates);
    assertTrue(updates >= 3, "updates: " + updates);
    String all = t.messages("stream").toString();
    assertTrue(all.contains("completed after 4 steps"), all);
    KernelClient.Reply bad = run("%%fairl_train " + recipe + "\ntraining: [not, a, mapping]");
    assertEquals("error", bad.status());
  }

  @Test
  void interruptStopsAFairlTrainCellWithACheckpoint(@TempDir Path dir) throws Exception {
    String recipe = System.getProperty("fairl.root") + "/recipes/training/sft/tiny_sft.yaml";
    Path out = dir.resolve("long-sft");
    CompletableFuture<KernelClient.Reply> cell =
        CompletableFuture.supplyAsync(
            () ->
                kernel.execute(
                    "%%fairl_train "
                        + recipe
                        + "\ntraining:\n  max_steps: 100000\n  save_steps: 100000\n  eval_steps: 100000\n  output_dir: "
                        + out,
                    Duration.ofSeconds(180),
                    m -> {}));
    Thread.sleep(8000);
    kernel.interrupt(Duration.ofSeconds(10));
    KernelClient.Reply r = cell.get(120, TimeUnit.SECONDS);
    assertEquals("ok", r.status(), r.content().toString());
    String all = r.messages("stream").toString();
    assertTrue(all.contains("stopped after "), all);
    try (var files = Files.list(out)) {
      assertTrue(
          files.anyMatch(p -> p.getFileName().toString().startsWith("checkpoint-")),
          "no checkpoint in " + out);
    }
    assertEquals("ok", run("1 + 1").status(), "the kernel stays usable");
  }

  @Test
  void inferMagicAnswersATinyLocalRecipeAsATable(@TempDir Path dir) {
    String root = System.getProperty("fairl.root");
    KernelClient.Reply i =
        run(
            "%fairl_infer "
                + root
                + "/recipes/inference/tiny_local.yaml inference.max_new_tokens=4 inference.output_file="
                + dir.resolve("tiny_local.csv"));
    assertEquals("ok", i.status(), i.content().toString() + i.messages("stream"));
    String html =
        i.messages("execute_result")
            .get(0)
            .getAsJsonObject("content")
            .getAsJsonObject("data")
            .get("text/html")
            .getAsString();
    assertTrue(html.contains("<th>response</th>") && html.contains("<tbody><tr>"), html);
    assertTrue(Files.isRegularFile(dir.resolve("tiny_local.csv")), "FAI-RL's CSV was not written");
  }

  @Test
  void evalAndInferMagicsNameAWrongRecipeKind() {
    // running them needs local models (ai.fairl.model) or an API server; here: the magics' own
    // checks
    String sft = System.getProperty("fairl.root") + "/recipes/training/sft/tiny_sft.yaml";
    KernelClient.Reply e = run("%fairl_eval " + sft);
    assertEquals("error", e.status());
    assertTrue(
        e.content().get("evalue").getAsString().contains("is not an evaluation recipe"),
        e.content().toString());
    KernelClient.Reply i = run("%fairl_infer " + sft);
    assertTrue(
        i.content().get("evalue").getAsString().contains("is not an inference recipe"),
        i.content().toString());
  }

  @Test
  void rewardMagicScoresSamplesAndRegistersTheReward(@TempDir Path dir) throws Exception {
    Path samples = dir.resolve("s.jsonl");
    Files.writeString(
        samples,
        "{\"prompt\":\"2+2?\",\"completion\":\"<answer>4</answer>\",\"answer\":\"4\"}\n"
            + "{\"prompt\":\"3+3?\",\"completion\":\"7\",\"answer\":\"6\"}\n");
    KernelClient.Reply r =
        run(
            "%%fairl_reward exact --samples "
                + samples
                + "\n"
                + "(prompts, completions, columns) -> {\n"
                + "  double[] s = new double[completions.size()];\n"
                + "  for (int i = 0; i < s.length; i++) s[i] = completions.get(i).contains(String.valueOf(columns.get(i).get(\"answer\"))) ? 1 : 0;\n"
                + "  return s;\n"
                + "}");
    assertEquals("ok", r.status(), r.iopub().toString());
    String html =
        r.messages("execute_result")
            .get(0)
            .getAsJsonObject("content")
            .getAsJsonObject("data")
            .get("text/html")
            .getAsString();
    assertTrue(html.contains("<td>1.0</td>") || html.contains("<td>1</td>"), html);
    assertTrue(html.contains("<td>0.0</td>") || html.contains("<td>0</td>"), html);
    KernelClient.Reply reg =
        run("RewardTrial.registered().containsKey(\"exact\") && exact != null");
    assertEquals(
        "true",
        reg.messages("execute_result")
            .get(0)
            .getAsJsonObject("content")
            .getAsJsonObject("data")
            .get("text/plain")
            .getAsString());
  }

  @Test
  void aRewardFromTheRewardMagicScoresTheNextGrpoTrainCell(@TempDir Path dir) throws Exception {
    Path samples = dir.resolve("s.jsonl");
    Files.writeString(samples, "{\"completion\":\"<answer>\\n4\\n</answer>\",\"answer\":\"4\"}\n");
    KernelClient.Reply reg =
        run(
            "%%fairl_reward kernel_digits --samples "
                + samples
                + "\n"
                + "(prompts, completions, columns) -> completions.stream()"
                + ".mapToDouble(c -> c.chars().filter(Character::isDigit).count()).toArray()");
    assertEquals("ok", reg.status(), reg.iopub().toString());
    Path out = dir.resolve("grpo");
    String recipe =
        System.getProperty("fairl.root") + "/recipes/training/grpo/tiny_arithmetic.yaml";
    KernelClient.Reply t =
        run(
            "%%fairl_train "
                + recipe
                + "\ntraining:\n  max_steps: 1\n  per_device_train_batch_size: 8\n"
                + "  num_generations: 4\n  max_completion_length: 6\n  save_steps: 100\n"
                + "  reward_functions: [exact_match, kernel_digits]\n  output_dir: "
                + out);
    assertEquals("ok", t.status(), t.content().toString() + t.messages("stream"));
    String metrics = Files.readString(out.resolve("metrics.jsonl"));
    assertTrue(
        metrics.contains("\"rewards/kernel_digits/mean\"")
            && metrics.contains("\"rewards/exact_match/mean\""),
        metrics);
  }

  private static void defineBigram() throws Exception {
    String cells;
    try (var in = KernelSessionTest.class.getResourceAsStream("/cells/bigram.jsh")) {
      cells = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    }
    KernelClient.Reply def = run(cells);
    assertEquals("ok", def.status(), def.content().toString());
  }

  @Test
  void trainingCellUpdatesItsChartInPlace(@TempDir Path dir) throws Exception {
    defineBigram();
    KernelClient.Reply r =
        run(
            "var res = trainBigram(Path.of(\""
                + dir.resolve("run")
                + "\"), 12, new TrainingDisplay(0));\n"
                + "System.out.println(res.reason() + \" \" + res.step() + \" first \" + res.losses().get(0) + \" last \" + res.losses().get(res.losses().size() - 1));");
    assertEquals("ok", r.status(), r.content().toString());
    int updates = r.messages("update_display_data").size();
    System.out.println("update_display_data messages in one 12-step training cell: " + updates);
    assertTrue(updates >= 3, "updates: " + updates);
    String out =
        r.messages("stream")
            .get(r.messages("stream").size() - 1)
            .getAsJsonObject("content")
            .get("text")
            .getAsString();
    assertTrue(out.startsWith("completed 12"), out);
  }

  @Test
  void interruptStopsATrainingCellAtAStepBoundaryWithACheckpoint(@TempDir Path dir)
      throws Exception {
    defineBigram();
    Path runDir = dir.resolve("long");
    CompletableFuture<KernelClient.Reply> cell =
        CompletableFuture.supplyAsync(
            () ->
                kernel.execute(
                    "var res = trainBigram(Path.of(\""
                        + runDir
                        + "\"), 100000, new TrainingDisplay());\n"
                        + "System.out.println(res.reason() + \" at \" + res.step() + \" checkpoint \" + (res.lastCheckpoint() != null));",
                    Duration.ofSeconds(120),
                    m -> {}));
    Thread.sleep(4000);
    kernel.interrupt(Duration.ofSeconds(10));
    KernelClient.Reply r = cell.get(60, TimeUnit.SECONDS);
    assertEquals("ok", r.status(), r.content().toString());
    String out =
        r.messages("stream")
            .get(r.messages("stream").size() - 1)
            .getAsJsonObject("content")
            .get("text")
            .getAsString();
    assertTrue(out.startsWith("stopped at ") && out.contains("checkpoint true"), out);
    assertTrue(
        Files.list(runDir).anyMatch(p -> p.getFileName().toString().startsWith("checkpoint-")),
        "no checkpoint in " + runDir);
    assertEquals("ok", run("1 + 1").status(), "the kernel stays usable");
  }

  @Test
  void completeInspectAndIsComplete() {
    // exercised through the protocol by ConformanceTest; here the evaluator's corner: invalid code
    KernelClient.Reply r = run("}");
    assertEquals("error", r.status());
  }

  /**
   * Issue 11: a reward defined in the notebook cannot reach the worker processes of a multi-GPU
   * run; %%fairl_train --num-gpus 2 fails before any worker starts and says how to package it.
   */
  @Test
  void aNotebookRewardInAMultiGpuRunFailsBeforeWorkersStartWithHowToPackageIt() {
    String recipe =
        System.getProperty("fairl.root") + "/recipes/training/grpo/tiny_arithmetic.yaml";
    assertEquals(
        "ok",
        run("List<Map<String, Object>> nbSamples = List.of(Map.of(\"completion\", \"42\"));")
            .status());
    KernelClient.Reply reward =
        run(
            "%%fairl_reward nb_len --var nbSamples\n"
                + "(p, c, cols) -> c.stream().mapToDouble(x -> x.length()).toArray()");
    assertEquals("ok", reward.status(), reward.iopub().toString());
    KernelClient.Reply multi =
        run(
            "%%fairl_train "
                + recipe
                + " --num-gpus 2\ntraining:\n  reward_functions: [exact_match, nb_len]");
    assertEquals("error", multi.status());
    String evalue = multi.content().get("evalue").getAsString();
    assertTrue(
        evalue.contains(
            "%%fairl_train --num-gpus 2: training.reward_functions names nb_len, defined in this"
                + " JVM"),
        evalue);
    assertTrue(evalue.contains("so no worker was started"), evalue);
    assertTrue(
        evalue.contains("--classpath my-rewards.jar")
            && evalue.contains("local_reward_function: {function: com.acme.MyRewards}"),
        evalue);
    // without a notebook reward the run goes to fai-rl-train --num-gpus 2 (no GPU here: exit 2)
    KernelClient.Reply plain =
        run("%%fairl_train " + recipe + " --num-gpus 2\ntraining: {max_steps: 1}");
    assertEquals("error", plain.status());
    String all = plain.messages("stream").toString() + plain.content();
    assertTrue(all.contains("--num-gpus 2 asked for GPUs, but none is visible"), all);
    assertTrue(all.contains("fai-rl-train exited with 2"), all);
  }
}
