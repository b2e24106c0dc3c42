package ai.fairl.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Supervision of data-parallel workers with fake workers (shell processes that print, exit with a
 * code, hang or ignore SIGTERM), and the CLI launcher starting real worker JVMs.
 */
class WorkersTest {
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private static ProcessBuilder sh(String script, Path dir) {
    return new ProcessBuilder("/bin/sh", "-c", script).directory(dir.toFile());
  }

  private void run(List<ProcessBuilder> workers, Duration exitGrace) {
    Workers.run(
        workers, 0, new PrintWriter(out), new PrintWriter(err), exitGrace, Duration.ofSeconds(1));
  }

  private static long pid(Path dir, int rank) throws Exception {
    Path f = dir.resolve("pid" + rank);
    for (int i = 0; i < 100 && !Files.exists(f); i++) {
      Thread.sleep(50);
    }
    return Long.parseLong(Files.readString(f).trim());
  }

  @Test
  void cleanWorkersRunToTheEndWithPrefixedOutput(@TempDir Path dir) {
    List<ProcessBuilder> w = new ArrayList<>();
    for (int r = 0; r < 2; r++) {
      ProcessBuilder pb = sh("echo step from $RANK; echo warn from $RANK >&2", dir);
      pb.environment().put("RANK", Integer.toString(r));
      w.add(pb);
    }
    run(w, Duration.ofSeconds(30));
    assertTrue(out.toString().contains("step from 0\n"), out.toString());
    assertTrue(out.toString().contains("[rank 1] step from 1\n"), out.toString());
    assertTrue(err.toString().contains("[rank 1] warn from 1\n"), err.toString());
    assertFalse(out.toString().contains("[rank 0]"), "rank 0's output is unchanged");
  }

  @Test
  void aFailingWorkerStopsTheOthersAndIsNamed(@TempDir Path dir) throws Exception {
    List<ProcessBuilder> w =
        List.of(
            sh("echo $$ > pid0; exec sleep 60", dir),
            sh("sleep 0.5; exit 3", dir),
            // ignores SIGTERM: the supervisor must escalate to SIGKILL
            sh("trap '' TERM; echo $$ > pid2; while true; do sleep 0.1; done", dir));
    long start = System.nanoTime();
    Workers.Failure f = assertThrows(Workers.Failure.class, () -> run(w, Duration.ofSeconds(30)));
    double seconds = (System.nanoTime() - start) / 1e9;
    assertEquals(1, f.rank);
    assertEquals(3, f.exitCode);
    assertEquals(
        "worker rank 1 of 3 exited with code 3; stopped the other 2 worker(s)", f.getMessage());
    assertTrue(seconds < 15, "stopped promptly, took " + seconds + " s");
    for (int r : new int[] {0, 2}) {
      long pid = pid(dir, r);
      assertFalse(
          ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false),
          "rank " + r + " (pid " + pid + ") was stopped");
    }
  }

  @Test
  void aWorkerKilledBySignalSaysWhich(@TempDir Path dir) {
    List<ProcessBuilder> w = List.of(sh("kill -9 $$", dir), sh("exec sleep 60", dir));
    Workers.Failure f = assertThrows(Workers.Failure.class, () -> run(w, Duration.ofSeconds(30)));
    assertEquals(0, f.rank);
    assertEquals(137, f.exitCode);
    assertTrue(
        f.getMessage().contains("code 137 (SIGKILL, e.g. the kernel's out-of-memory killer)"));
  }

  @Test
  void aWorkerThatHangsAfterTheOthersFinishedIsStopped(@TempDir Path dir) throws Exception {
    List<ProcessBuilder> w = List.of(sh("exit 0", dir), sh("echo $$ > pid1; exec sleep 60", dir));
    Workers.Failure f = assertThrows(Workers.Failure.class, () -> run(w, Duration.ofSeconds(1)));
    assertEquals(1, f.rank);
    assertEquals(
        "worker rank(s) [1] still running 1 s after rank 0 finished; stopped them (a hung"
            + " collective?)",
        f.getMessage());
    long pid = pid(dir, 1);
    assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
  }

  @Test
  void theLauncherOutlivesTheFirstCtrlC(@TempDir Path dir) throws Exception {
    // the workers get Ctrl-C from the terminal themselves and stop at a step boundary; the
    // launcher keeps supervising them instead of dying and killing them mid-checkpoint
    List<ProcessBuilder> w = List.of(sh("touch started; sleep 2; echo finished", dir));
    Thread t = new Thread(() -> run(w, Duration.ofSeconds(30)));
    t.start();
    for (int i = 0; i < 100 && !Files.exists(dir.resolve("started")); i++) {
      Thread.sleep(50);
    }
    Thread.sleep(200);
    Process kill =
        new ProcessBuilder("kill", "-INT", Long.toString(ProcessHandle.current().pid())).start();
    assertEquals(0, kill.waitFor());
    t.join(15_000);
    assertFalse(t.isAlive());
    assertTrue(
        err.toString().contains("Ctrl-C: the workers stop at the next step boundary"),
        err.toString());
    assertTrue(out.toString().contains("finished"), "the worker ran to its end\n" + out);
  }

  @Test
  void freePortsAreUsable() throws Exception {
    int p = Workers.freePort();
    assertTrue(p > 0 && p < 65536);
    try (java.net.ServerSocket s =
        new java.net.ServerSocket(p, 1, java.net.InetAddress.getLoopbackAddress())) {
      assertEquals(p, s.getLocalPort());
    }
  }

  /**
   * The CLI launcher starts real worker JVMs with torchrun's variables; here GPUs are claimed
   * (CUDA_VISIBLE_DEVICES=0,1) but DJL finds none, so the workers fail to take their GPU and the
   * launcher names the rank, its exit code and how to resume.
   */
  @Test
  void numGpusLaunchesWorkersAndReportsAFailedOne(@TempDir Path dir) throws Exception {
    Files.writeString(
        dir.resolve("r.yaml"),
        "model:\n  base_model_name: tiny:llama\ndata:\n  datasets:\n    - name: rows.jsonl\n"
            + "      dataset_columns: [prompt, answer]\n"
            + "  user_prompt: \"{prompt}\"\n  assistant_prompt: \"{answer}\"\n"
            + "training:\n  algorithm: sft\n  output_dir: out\n  max_steps: 2\n");
    Files.writeString(dir.resolve("rows.jsonl"), "{\"prompt\": \"1+1=\", \"answer\": \"2\"}\n");
    CliRun r = onTwoGpus(dir, "r.yaml");
    assertEquals(1, r.code, r.toString());
    assertTrue(
        r.err.contains("notice: starting 2 workers (ranks 0..1 of 2), rendezvous at 127.0.0.1:"),
        r.err);
    assertTrue(
        r.err.matches(
                "(?s).*error: worker rank [01] of 2 exited with code 1; stopped the other 1 worker\\(s\\)\n.*")
            || r.err.matches(
                "(?s).*error: worker rank [01] of 2 exited with code 1; no other worker was running\n.*"),
        r.toString());
    assertTrue(
        r.err.contains(
            "hint: resume from the last checkpoint in "
                + dir.resolve("out")
                + " with: fai-rl-train --recipe r.yaml --num-gpus 2"
                + " training.resume_from_checkpoint=latest"),
        r.err);
    assertTrue(
        r.err.matches("(?s).*LOCAL_RANK [01] has no GPU: 0 visible.*"),
        "the worker's own error is shown\n" + r.err);
  }

  /** {@code fai-rl-train --recipe <recipe> --num-gpus 2} in {@code dir}, two GPUs made visible. */
  private static CliRun onTwoGpus(Path dir, String recipe) {
    return CliRun.run(
        "fai-rl-train",
        dir,
        Map.of("CUDA_VISIBLE_DEVICES", "0,1"),
        "--recipe",
        recipe,
        "--num-gpus",
        "2");
  }

  /**
   * A reward registered only in this JVM (what a notebook's %%fairl_reward does) named by a
   * multi-GPU run: exit 2 before any worker starts, with how to package the reward.
   */
  @Test
  void aRewardRegisteredOnlyInThisJvmStopsAMultiGpuRunBeforeWorkersStart(@TempDir Path dir)
      throws Exception {
    ai.fairl.reward.RewardRegistry.register(
        "nb_short", (p, c, cols) -> c.stream().mapToDouble(x -> -x.length()).toArray());
    try {
      Files.writeString(
          dir.resolve("g.yaml"),
          "model:\n  base_model_name: tiny:qwen2\ndata:\n  datasets:\n    - name: rows.jsonl\n"
              + "      prompt_column: question\n      answer_column: answer\n"
              + "training:\n  algorithm: grpo\n  output_dir: out\n  max_steps: 1\n"
              + "  reward_functions: [exact_match, nb_short]\n");
      Files.writeString(dir.resolve("rows.jsonl"), "{\"question\": \"1+1=\", \"answer\": \"2\"}\n");
      CliRun r = onTwoGpus(dir, "g.yaml");
      assertEquals(2, r.code, r.toString());
      assertFalse(r.err.contains("starting 2 workers"), r.err);
      assertTrue(
          r.err.contains(
              "error: training.reward_functions names nb_short, defined in this JVM (a notebook's"
                  + " %%fairl_reward or RewardRegistry.register); the 2 worker processes of a"
                  + " multi-GPU run cannot see it, so no worker was started"),
          r.err);
      assertTrue(
          r.err.contains("--classpath my-rewards.jar")
              && r.err.contains("local_reward_function: {function: com.acme.MyRewards}"),
          r.err);
      assertFalse(Files.exists(dir.resolve("out").resolve("metrics.jsonl")));
    } finally {
      ai.fairl.reward.RewardRegistry.unregister("nb_short");
    }
  }
}
