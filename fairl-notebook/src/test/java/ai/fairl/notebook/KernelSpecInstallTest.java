package ai.fairl.notebook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code fairl notebook install --prefix P}: the kernelspec Jupyter will find and what it runs. */
class KernelSpecInstallTest {
  @Test
  void installWritesAKernelspecWithOurJarsJvmOptionsAndUserClasspath(@TempDir Path dir)
      throws Exception {
    Path userJar = Files.createFile(dir.resolve("my-rewards.jar"));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int rc =
        NotebookCli.run(
            new String[] {
              "install",
              "--prefix",
              dir.resolve("env").toString(),
              "--jvm-opt",
              "-Xmx1g",
              "--classpath",
              userJar.toString()
            },
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    assertEquals(0, rc, err.toString(StandardCharsets.UTF_8));
    Path spec = dir.resolve("env/share/jupyter/kernels/fairl-java/kernel.json");
    JsonObject json = JsonParser.parseString(Files.readString(spec)).getAsJsonObject();
    assertEquals("java", json.get("language").getAsString());
    assertEquals("message", json.get("interrupt_mode").getAsString());
    List<String> argv = new ArrayList<>();
    json.getAsJsonArray("argv").forEach(a -> argv.add(a.getAsString()));
    assertTrue(Path.of(argv.get(0)).isAbsolute() && argv.get(0).endsWith("java"), argv.get(0));
    assertTrue(
        argv.contains("-Djava.awt.headless=true") && argv.contains("-Xmx1g"), argv.toString());
    String cp = argv.get(argv.indexOf("-cp") + 1);
    assertTrue(cp.contains("jjava-jupyter-1.0-a6.jar"), cp);
    assertTrue(cp.contains("fairl-notebook") && cp.contains("fairl-core"), cp);
    assertEquals(KernelMain.class.getName(), argv.get(argv.indexOf("-cp") + 2));
    assertEquals(userJar.toString(), argv.get(argv.indexOf("--classpath") + 1));
    assertEquals("{connection_file}", argv.get(argv.size() - 1));
    // a test run's classpath holds target/classes folders: no class-data archive, and install says
    // why (KernelStartupIT covers the archive from packaged jars)
    String said = out.toString(StandardCharsets.UTF_8);
    assertTrue(said.contains("class-data archive: none (the classpath holds the folder"), said);
    assertTrue(
        argv.stream().noneMatch(a -> a.startsWith("-XX:SharedArchiveFile")), argv.toString());
  }

  @Test
  void aMissingClasspathEntryIsReportedAtKernelStartWithTheFix() {
    FairlKernel k = FairlKernel.create();
    try {
      IllegalArgumentException e =
          org.junit.jupiter.api.Assertions.assertThrows(
              IllegalArgumentException.class, () -> k.addToClasspath("/no/such/rewards.jar"));
      assertTrue(
          e.getMessage().contains("/no/such/rewards.jar")
              && e.getMessage().contains("FAIRL_CLASSPATH"),
          e.getMessage());
    } finally {
      k.onShutdown(false);
    }
  }
}
