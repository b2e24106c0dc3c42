package ai.fairl.notebook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * IJava users (or anyone in plain {@code jshell}) put the jars on the classpath ({@code %jars
 * fairl/lib/*.jar} in IJava, {@code --class-path} here) and call the plain-Java API that the magics
 * wrap. This runs the JDK's {@code jshell} tool with no kernel at all.
 */
class BareJShellTest {
  @Test
  void plainJavaApiWorksInBareJShell(@TempDir Path dir) throws Exception {
    Path run = dir.resolve("run-a");
    Files.createDirectories(run);
    Files.writeString(
        run.resolve("metrics.jsonl"), "{\"step\":1,\"loss\":2.0}\n{\"step\":2,\"loss\":1.0}\n");
    Path script = dir.resolve("plain.jsh");
    Files.writeString(
        script,
        String.join(
            "\n",
            "import ai.fairl.notebook.*;",
            "import ai.fairl.reward.RewardFunction;",
            "var chart = RunCurves.plot(java.util.List.of(java.nio.file.Path.of(\""
                + run
                + "\")), java.util.List.of());",
            "System.out.println(\"png bytes > 1000: \" + (Charts.png(chart).length > 1000));",
            "RewardFunction len = (p, c, cols) -> c.stream().mapToDouble(s -> s.length()).toArray();",
            "var t = RewardTrial.score(len, java.util.List.of(java.util.Map.of(\"completion\", \"abc\")));",
            "System.out.println(\"score: \" + t.doubleColumn(\"score\").get(0));",
            "var live = LiveChart.create(\"l\", \"x\", \"y\", 0); live.add(\"y\", 1, 2); live.close();",
            "System.out.println(\"live updates outside a kernel: \" + live.updates());",
            "/exit",
            ""));
    String jshell = Path.of(System.getProperty("java.home"), "bin", "jshell").toString();
    Process p =
        new ProcessBuilder(
                jshell,
                "-q",
                "--class-path",
                KernelSpecs.ownClasspath(),
                "-R-Djava.awt.headless=true",
                script.toString())
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), out);
    assertEquals(0, p.exitValue(), out);
    assertTrue(out.contains("png bytes > 1000: true"), out);
    assertTrue(out.contains("score: 3.0"), out);
    assertTrue(out.contains("live updates outside a kernel: 0"), out);
  }
}
