package ai.fairl.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code fairl demo} end to end with a short warm-up and two GRPO steps. */
class DemoCommandTest {
  @Test
  void runsTheEmbeddedDemoAndWritesItsFiles(@TempDir Path work) throws Exception {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code =
        Cli.run(
            "fairl",
            new String[] {
              "demo",
              "--output-dir",
              "d",
              "--seeds",
              "1",
              "--sft-max-steps",
              "20",
              "training.max_steps=2",
              "training.per_device_train_batch_size=16"
            },
            new PrintWriter(out, true),
            new PrintWriter(err, true),
            Map.of(),
            work);
    assertEquals(0, code, out + "\n" + err);
    assertTrue(out.toString().contains("held-out sampled accuracy"), out.toString());
    assertTrue(Files.isRegularFile(work.resolve("d/demo_summary.json")));
    assertTrue(Files.size(work.resolve("d/reward_curve.png")) > 1000);
  }

  @Test
  void aBareWordIsAUsageError(@TempDir Path work) {
    StringWriter err = new StringWriter();
    int code =
        Cli.run(
            "fairl",
            new String[] {"demo", "fast"},
            new PrintWriter(new StringWriter(), true),
            new PrintWriter(err, true),
            Map.of(),
            work);
    assertEquals(2, code, err.toString());
    assertTrue(err.toString().contains("key=value"), err.toString());
  }
}
