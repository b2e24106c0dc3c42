package ai.fairl.cli;

import ai.fairl.recipe.Recipe;
import ai.fairl.recipe.Resolved;
import ai.fairl.recipe.RunOptions;
import java.io.File;
import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;

/** Steps the three run commands share: class path, dry run, detaching with --nohup. */
final class Runs {
  private Runs() {}

  /** FAI-RL printed help when called with nothing to run; we say what is missing (exit 2). */
  static void requireRecipeOrOverrides(CommonOptions common) {
    if (common.recipe == null && common.overrides.isEmpty()) {
      throw new UsageException(
          "no recipe given", "give --recipe FILE (shipped recipes are under recipes/; see --help)");
    }
  }

  /** Puts {@code --classpath} entries on a class loader used for engines and user classes. */
  static void extendClasspath(String classpath) {
    if (classpath == null || classpath.isBlank()) {
      return;
    }
    List<URL> urls = new ArrayList<>();
    for (String p : classpath.split(File.pathSeparator)) {
      if (p.isBlank()) {
        continue;
      }
      File f = new File(p);
      if (!f.exists()) {
        throw new UsageException(
            "--classpath entry not found: " + p,
            "give existing jars or class folders, ':'-separated");
      }
      try {
        urls.add(f.toURI().toURL());
      } catch (MalformedURLException e) {
        throw new UsageException("--classpath entry is not a path: " + p, "check the spelling");
      }
    }
    ClassLoader parent = Thread.currentThread().getContextClassLoader();
    Thread.currentThread()
        .setContextClassLoader(new URLClassLoader(urls.toArray(URL[]::new), parent));
  }

  /** Prints the resolved recipe and a closing line for {@code --dry-run}. */
  static int dryRun(Session s, Resolved<? extends Recipe> r) {
    s.out.print(r.render());
    s.out.println("# dry run: the recipe is valid; nothing was run");
    s.out.flush();
    return 0;
  }

  static void printNotices(Session s, Resolved<? extends Recipe> r) {
    r.notices().forEach(s::notice);
  }

  /**
   * Re-launches this command detached (FAI-RL's {@code --nohup}), without {@code --nohup}, its
   * output in {@code logs/<name>_<yyyyMMdd_HHmmss>.log}. Returns the log path.
   */
  static Path detach(Session s, String tool, String logName, String[] originalArgs) {
    String ts = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd_HHmmss"));
    Path logs = s.workDir.resolve("logs");
    Path log = logs.resolve(logName + "_" + ts + ".log");
    List<String> cmd = detachCommand(tool, originalArgs);
    try {
      java.nio.file.Files.createDirectories(logs);
      ProcessBuilder pb = new ProcessBuilder(cmd).directory(s.workDir.toFile());
      pb.redirectErrorStream(true);
      pb.redirectOutput(log.toFile());
      pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
      Process p = pb.start();
      s.out.println(tool + ": running in the background (pid " + p.pid() + "); log: " + log);
      s.out.flush();
      return log;
    } catch (IOException e) {
      throw new IllegalStateException("cannot start the background run: " + e.getMessage(), e);
    }
  }

  /**
   * The command that re-runs {@code tool} with the same JVM, class path and arguments, minus
   * --nohup.
   */
  static List<String> detachCommand(String tool, String[] originalArgs) {
    List<String> cmd = new ArrayList<>();
    if (new File("/usr/bin/nohup").canExecute()) {
      cmd.add("/usr/bin/nohup");
    }
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    for (String prop : List.of("fairl.home", "ai.djl.offline")) {
      if (System.getProperty(prop) != null) {
        cmd.add("-D" + prop + "=" + System.getProperty(prop));
      }
    }
    cmd.add(Main.class.getName());
    cmd.add(tool);
    for (String a : originalArgs) {
      if (!a.equals("--nohup")) {
        cmd.add(a);
      }
    }
    return cmd;
  }

  static RunOptions options(
      String device,
      int gpus,
      int nnodes,
      int rank,
      String addr,
      int port,
      boolean debug,
      Path recipe,
      Path log) {
    return new RunOptions(device, gpus, nnodes, rank, addr, port, debug, recipe, log);
  }
}
