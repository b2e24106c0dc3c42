package ai.fairl.train.grpo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded demo end to end at toy size (a narrow model, a few SFT steps, two GRPO steps, one
 * seed): it prints the before/after lines, writes the reward-curve PNG and the summary. Whether
 * GRPO gains 5 points is the full demo's claim, measured by running {@link Demo#main}.
 */
class DemoSmokeTest {
  @TempDir Path out;

  @Test
  void runsEndToEndAndWritesTheChart() throws Exception {
    String root = System.getProperty("fairl.root");
    if (root == null) {
      throw new AssertionError("fairl.root is not set (the parent pom's Surefire config sets it)");
    }
    Demo.Settings s =
        new Demo.Settings(
            out,
            Path.of(root, "recipes/training/grpo/tiny_compare.yaml"),
            List.of(1L),
            32,
            1,
            20,
            10,
            3,
            List.of("training.max_steps=2", "training.per_device_train_batch_size=16"));
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    Demo.Outcome o = Demo.run(s, new PrintStream(buf, true, StandardCharsets.UTF_8));
    String log = buf.toString(StandardCharsets.UTF_8);
    assertTrue(log.contains("after SFT"), log);
    assertTrue(log.contains("GRPO seed 1 (2 steps"), log);
    assertTrue(log.contains("GRPO gain over 1 seeds"), log);
    assertEquals(1, o.seeds().size());
    assertEquals(2, o.seeds().get(0).rewardCurve().size());
    assertTrue(Files.size(o.chart()) > 1000, "reward curve PNG written");
    assertTrue(Files.exists(out.resolve("demo_summary.json")));
    assertTrue(o.sampledAccuracyBefore() >= 0 && o.sampledAccuracyBefore() <= 1);
  }
}
