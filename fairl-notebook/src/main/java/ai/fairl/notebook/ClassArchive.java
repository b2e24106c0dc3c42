/*
 * Application class-data sharing (AppCDS, JDK 13+ dynamic archives) for the kernel's start-up. A
 * cold JVM spends most of the kernel's first seconds loading and verifying classes (JShell's javac,
 * jeromq, snakeyaml, Tablesaw); an archive of them, mapped at start, removes that work.
 * `fairl notebook install` starts the kernel once with -XX:ArchiveClassesAtExit, drives it as a
 * notebook does (kernel_info, the start-up imports, one %fairl_recipe), shuts it down (the JVM
 * writes the archive as it exits), checks that the archive maps, and writes the kernelspec with
 * -XX:SharedArchiveFile={resource_dir}/fairl-java.jsa.
 * Limits (the JVM's): the archive holds classes from jars only (a classpath with folders, such as a
 * test run from target/classes, gets no archive, and install says so), and it is valid for the JDK
 * and the jars it was made with; after a rebuild the JVM ignores it with a warning and the kernel
 * starts as before, slower, until `fairl notebook install` runs again.
 */
package ai.fairl.notebook;

import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Creates the kernel's class-data archive at install time. */
final class ClassArchive {
  /** The archive's file name in the kernelspec folder. */
  static final String FILE = "fairl-java.jsa";

  private ClassArchive() {}

  /**
   * Makes {@code specDir/fairl-java.jsa} for the kernel {@code argv} starts and returns the argv
   * that uses it; when no archive can be made, says why on {@code out} and returns {@code argv}.
   */
  static List<String> install(List<String> argv, Path specDir, PrintStream out) throws IOException {
    int cpAt = argv.indexOf("-cp");
    if (cpAt < 0) {
      throw new IllegalStateException("kernel argv without -cp: " + argv);
    }
    String cp = argv.get(cpAt + 1);
    for (String e : cp.split(File.pathSeparator)) {
      if (Files.isDirectory(Path.of(e))) {
        out.println(
            "class-data archive: none (the classpath holds the folder "
                + e
                + "; the JVM archives classes from jars only: install from a packaged build or the"
                + " dist)");
        return argv;
      }
    }
    Files.createDirectories(specDir);
    Path jsa = specDir.resolve(FILE).toAbsolutePath();
    Files.deleteIfExists(jsa);
    List<String> training = new ArrayList<>(argv);
    training.add(1, "-XX:ArchiveClassesAtExit=" + jsa);
    long t0 = System.nanoTime();
    String home = System.getProperty("fairl.home", System.getenv("FAIRL_HOME"));
    Path recipe = home == null ? null : Path.of(home).resolve("recipes/training/sft/tiny_sft.yaml");
    String cell =
        recipe != null && Files.isRegularFile(recipe)
            ? "%fairl_recipe " + recipe.toAbsolutePath()
            : "Fairl.version()";
    int exit;
    try (KernelClient k = KernelClient.start(training, null, Map.of(), Duration.ofSeconds(180))) {
      KernelClient.Reply r = k.execute(cell, Duration.ofSeconds(180), m -> {});
      if (!r.status().equals("ok")) {
        out.println(
            "class-data archive: none (the training cell '" + cell + "' failed: " + r + ")");
        k.shutdown(Duration.ofSeconds(30));
        Files.deleteIfExists(jsa);
        return argv;
      }
      exit = k.shutdown(Duration.ofSeconds(300));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      Files.deleteIfExists(jsa);
      return argv;
    }
    if (exit != 0 || !Files.isRegularFile(jsa) || Files.size(jsa) == 0) {
      out.println(
          "class-data archive: none (the training kernel exited with "
              + exit
              + " and wrote "
              + (Files.isRegularFile(jsa) ? Files.size(jsa) + " bytes" : "no file")
              + "); the kernel starts without it");
      Files.deleteIfExists(jsa);
      return argv;
    }
    String problem = checkMaps(argv.get(0), jsa, cp);
    if (problem != null) {
      out.println("class-data archive: none (" + problem + "); the kernel starts without it");
      Files.deleteIfExists(jsa);
      return argv;
    }
    List<String> withArchive = new ArrayList<>(argv);
    withArchive.add(1, "-XX:SharedArchiveFile={resource_dir}/" + FILE);
    out.printf(
        Locale.ROOT,
        "class-data archive: %s (%.1f MB, made in %.0f s; run install again after a rebuild)%n",
        FILE,
        Files.size(jsa) / 1e6,
        (System.nanoTime() - t0) / 1e9);
    return withArchive;
  }

  /** Null when {@code java -Xshare:on} maps the archive with this classpath, else why not. */
  static String checkMaps(String java, Path jsa, String cp) throws IOException {
    Process p =
        new ProcessBuilder(
                java,
                "-Xshare:on",
                "-XX:SharedArchiveFile=" + jsa,
                "-cp",
                cp,
                KernelMain.class.getName(),
                "--check")
            .redirectErrorStream(true)
            .start();
    try {
      if (!p.waitFor(120, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return "the check 'java -Xshare:on' did not finish";
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      p.destroyForcibly();
      return "interrupted";
    }
    String said = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    return p.exitValue() == 0 ? null : "java -Xshare:on refused it: " + said;
  }
}
