package ai.fairl.notebook;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code fairl-java} kernelspec: writing it (with this process's JDK and jars, plus {@code
 * --classpath} entries) and finding installed kernelspecs the way Jupyter does ({@code
 * JUPYTER_PATH}, {@code JUPYTER_DATA_DIR} or {@code ~/.local/share/jupyter}, {@code
 * /usr/local/share/jupyter}, {@code /usr/share/jupyter}).
 *
 * <p>The kernelspec points at the jars where they are (target/ or the dist's lib/) instead of
 * copying them; rebuild or move the project and install again.
 */
final class KernelSpecs {
  private static final Gson GSON =
      new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create();

  private KernelSpecs() {}

  /** The argv that starts our kernel from this JVM's own classpath. */
  static List<String> ownKernelArgv(List<String> jvmOpts, String extraClasspath) {
    List<String> argv = new ArrayList<>();
    argv.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    argv.add("-Djava.awt.headless=true");
    String home = System.getProperty("fairl.home", System.getenv("FAIRL_HOME"));
    if (home == null) {
      home = System.getProperty("fairl.root");
    }
    if (home != null) {
      // recipes resolve relative data paths against the install root
      argv.add("-Dfairl.home=" + Path.of(home).toAbsolutePath().normalize());
    }
    argv.addAll(jvmOpts);
    argv.add("-cp");
    argv.add(ownClasspath());
    argv.add(KernelMain.class.getName());
    if (extraClasspath != null && !extraClasspath.isBlank()) {
      argv.add("--classpath");
      argv.add(extraClasspath);
    }
    argv.add("{connection_file}");
    return argv;
  }

  /** This JVM's classpath with absolute entries (surefire's test path when run from tests). */
  static String ownClasspath() {
    String cp =
        System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    List<String> abs = new ArrayList<>();
    for (String e : cp.split(File.pathSeparator)) {
      if (!e.isBlank() && Files.exists(Path.of(e))) {
        abs.add(Path.of(e).toAbsolutePath().normalize().toString());
      }
    }
    return String.join(File.pathSeparator, abs);
  }

  /** Writes kernel.json into {@code dir}. */
  static Path writeSpec(Path dir, String displayName, List<String> argv) throws IOException {
    return writeSpec(dir, displayName, argv, Map.of());
  }

  /**
   * The engine variables {@code fairl native build} leaves in {@code fairl-native.env} (which the
   * launchers source), for the kernelspec's {@code env}: Jupyter starts the kernel with java
   * directly, so without them a kernel on a GPU host would fall back to DJL's stock CPU natives.
   */
  static Map<String, String> nativeEnv(Map<String, String> env) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String k :
        List.of("PYTORCH_LIBRARY_PATH", "PYTORCH_VERSION", "PYTORCH_FLAVOR", "ENGINE_CACHE_DIR")) {
      String v = env.get(k);
      if (v != null && !v.isBlank()) {
        out.put(k, v);
      }
    }
    // DJL's HF tokenizers look for a CUDA build of their library on a GPU host (and try to
    // download it); the jar ships the CPU build, which tokenizes the same
    out.put("RUST_FLAVOR", env.getOrDefault("RUST_FLAVOR", "cpu"));
    return out;
  }

  /** Writes kernel.json into {@code dir} with {@code env} for the kernel process. */
  static Path writeSpec(Path dir, String displayName, List<String> argv, Map<String, String> env)
      throws IOException {
    Files.createDirectories(dir);
    Map<String, Object> spec = new LinkedHashMap<>();
    spec.put("argv", argv);
    spec.put("display_name", displayName);
    spec.put("language", "java");
    spec.put("interrupt_mode", "message");
    spec.put("env", new java.util.TreeMap<>(env));
    spec.put("metadata", Map.of("debugger", false));
    Path file = dir.resolve("kernel.json");
    Files.writeString(file, GSON.toJson(spec) + "\n");
    return file;
  }

  /** Jupyter's data directories, in lookup order. */
  static List<Path> dataDirs() {
    List<Path> dirs = new ArrayList<>();
    String jp = System.getenv("JUPYTER_PATH");
    if (jp != null) {
      for (String p : jp.split(File.pathSeparator)) {
        if (!p.isBlank()) {
          dirs.add(Path.of(p));
        }
      }
    }
    dirs.add(userDataDir());
    dirs.add(Path.of("/usr/local/share/jupyter"));
    dirs.add(Path.of("/usr/share/jupyter"));
    return dirs;
  }

  static Path userDataDir() {
    String d = System.getenv("JUPYTER_DATA_DIR");
    if (d != null && !d.isBlank()) {
      return Path.of(d);
    }
    String xdg = System.getenv("XDG_DATA_HOME");
    Path base =
        xdg != null && !xdg.isBlank()
            ? Path.of(xdg)
            : Path.of(System.getProperty("user.home"), ".local", "share");
    return base.resolve("jupyter");
  }

  /** The {@code env} of an installed kernelspec (empty when it has none). */
  static Map<String, String> installedEnv(String name) throws IOException {
    for (Path d : dataDirs()) {
      Path spec = d.resolve("kernels").resolve(name).resolve("kernel.json");
      if (Files.isRegularFile(spec)) {
        JsonObject o = JsonParser.parseString(Files.readString(spec)).getAsJsonObject();
        Map<String, String> env = new LinkedHashMap<>();
        if (o.has("env") && o.get("env").isJsonObject()) {
          o.getAsJsonObject("env")
              .entrySet()
              .forEach(e -> env.put(e.getKey(), e.getValue().getAsString()));
        }
        return env;
      }
    }
    return Map.of();
  }

  /** The argv of an installed kernelspec, with {@code {resource_dir}} substituted. */
  static List<String> installedArgv(String name) throws IOException {
    for (Path d : dataDirs()) {
      Path spec = d.resolve("kernels").resolve(name).resolve("kernel.json");
      if (Files.isRegularFile(spec)) {
        JsonObject o = JsonParser.parseString(Files.readString(spec)).getAsJsonObject();
        List<String> argv = new ArrayList<>();
        o.getAsJsonArray("argv")
            .forEach(
                a ->
                    argv.add(
                        a.getAsString().replace("{resource_dir}", spec.getParent().toString())));
        return argv;
      }
    }
    throw new IllegalArgumentException(
        "no kernelspec named '"
            + name
            + "' in "
            + dataDirs()
            + "; install it with: bin/fairl notebook install --user (or list them: jupyter kernelspec list)");
  }
}
