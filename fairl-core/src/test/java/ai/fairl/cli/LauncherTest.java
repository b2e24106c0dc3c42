package ai.fairl.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bash launchers in bin/, run as a user would: from another directory, through a symlink, with
 * FAIRL_HOME, and without built jars. An install is laid out in a temp folder (the jar made from
 * target/classes, lib/ from the test class path) because tests run before `package`.
 */
class LauncherTest {
  static Path install;

  @BeforeAll
  static void layOutInstall(@TempDir Path tmp) throws IOException {
    install = tmp.resolve("fairl");
    Path target = install.resolve("fairl-core/target");
    Path lib = target.resolve("lib");
    Files.createDirectories(lib);
    Path classes = CliRun.root().resolve("fairl-core/target/classes");
    try (JarOutputStream jar =
            new JarOutputStream(
                Files.newOutputStream(target.resolve("fairl-core-0.0.0-test.jar")));
        Stream<Path> files = Files.walk(classes)) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        jar.putNextEntry(
            new JarEntry(classes.relativize(f).toString().replace(File.separatorChar, '/')));
        Files.copy(f, jar);
        jar.closeEntry();
      }
    }
    for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
      if (e.endsWith(".jar")) {
        Path p = Path.of(e);
        Path link = lib.resolve(p.getFileName());
        if (!Files.exists(link)) {
          Files.createSymbolicLink(link, p.toAbsolutePath()); // large native jars: link, not copy
        }
      }
    }
    Files.createDirectories(install.resolve("bin"));
    for (String name : List.of("fairl", "fai-rl-train", "fai-rl-inference", "fai-rl-eval")) {
      Path src = CliRun.root().resolve("bin").resolve(name);
      Path dst = install.resolve("bin").resolve(name);
      if (Files.isSymbolicLink(src)) {
        Files.createSymbolicLink(dst, Files.readSymbolicLink(src));
      } else {
        Files.copy(src, dst);
      }
    }
    Files.createDirectories(install.resolve("recipes"));
    copyTree(CliRun.root().resolve("recipes"), install.resolve("recipes"));
  }

  static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> s = Files.walk(from)) {
      for (Path p : s.toList()) {
        Path d = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(d);
        } else {
          Files.copy(p, d, StandardCopyOption.REPLACE_EXISTING);
        }
      }
    }
  }

  record Proc(int code, String out, String err) {}

  static Proc exec(Path dir, Map<String, String> env, String... cmd) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile());
    pb.environment().remove("FAIRL_HOME");
    pb.environment().remove("FAIRL_CLASSPATH");
    pb.environment().put("CUDA_VISIBLE_DEVICES", "");
    pb.environment().putAll(env);
    Path out = Files.createTempFile(dir, "out", ".txt");
    Path err = Files.createTempFile(dir, "err", ".txt");
    pb.redirectOutput(out.toFile()).redirectError(err.toFile());
    int code = pb.start().waitFor();
    return new Proc(code, Files.readString(out), Files.readString(err));
  }

  @Test
  void dryRunFromAnotherDirectoryThroughASymlink(@TempDir Path elsewhere) throws Exception {
    Files.createDirectories(elsewhere.resolve("bin"));
    Path link = elsewhere.resolve("bin/fai-rl-train"); // e.g. ~/bin/fai-rl-train -> the install
    Files.createSymbolicLink(link, install.resolve("bin/fai-rl-train"));
    Proc p =
        exec(
            elsewhere,
            Map.of(),
            link.toString(),
            "--recipe",
            install.resolve("recipes/training/grpo/tiny_arithmetic.yaml").toString(),
            "--dry-run");
    assertEquals(0, p.code(), p.toString());
    assertTrue(p.err().contains("fai-rl-train: notice: no GPU visible"), p.err());
    Proc q =
        exec(
            elsewhere,
            Map.of(),
            install.resolve("bin/fai-rl-train").toString(),
            "--recipe",
            install.resolve("recipes/training/grpo/tiny_arithmetic.yaml").toString(),
            "--dry-run");
    assertEquals(0, q.code(), q.toString());
    assertTrue(q.out().contains("algorithm: \"grpo\""), q.out());
    assertTrue(
        q.out().contains(install.resolve("recipes/data/arithmetic_train.jsonl").toString()),
        "relative data paths resolve against the install root: " + q.out());
  }

  @Test
  void fairlHomeAndTheUserClasspath(@TempDir Path elsewhere) throws Exception {
    Path extra = elsewhere.resolve("extra.jar");
    try (OutputStream o = Files.newOutputStream(extra);
        JarOutputStream j = new JarOutputStream(o)) {
      j.putNextEntry(new JarEntry("marker.txt"));
      j.write("x".getBytes());
      j.closeEntry();
    }
    Proc p =
        exec(
            elsewhere,
            Map.of("FAIRL_HOME", install.toString(), "FAIRL_CLASSPATH", extra.toString()),
            CliRun.root().resolve("bin/fairl").toString(),
            "--classpath",
            extra.toString(),
            "recipe",
            "validate",
            install.resolve("recipes/inference/tiny_local.yaml").toString());
    assertEquals(0, p.code(), p.toString());
    assertTrue(p.out().startsWith("ok: "), p.out());
  }

  @Test
  void missingJarsNameTheBuildCommand(@TempDir Path empty) throws Exception {
    Proc p =
        exec(
            empty,
            Map.of("FAIRL_HOME", empty.toString()),
            CliRun.root().resolve("bin/fai-rl-train").toString(),
            "--help");
    assertEquals(1, p.code(), p.toString());
    assertEquals(
        "fai-rl-train: error: the FAI-RL jars are not built (looked for "
            + empty
            + "/fairl-core/target/fairl-core-*.jar and "
            + empty
            + "/fairl-core/target/lib/)\n  hint: build them once: (cd "
            + empty
            + " && mvn -B -q package -DskipTests), or set FAIRL_HOME to an install\n",
        p.err());
  }

  @Test
  void exitCodesPassThrough(@TempDir Path elsewhere) throws Exception {
    Files.writeString(elsewhere.resolve("bad.yaml"), "training:\n  algorithm: nope\n");
    Proc p =
        exec(
            elsewhere,
            Map.of(),
            install.resolve("bin/fai-rl-train").toString(),
            "--recipe",
            "bad.yaml");
    assertEquals(2, p.code(), p.toString());
    assertTrue(p.err().startsWith("fai-rl-train: error: bad.yaml"), p.err());
  }
}
