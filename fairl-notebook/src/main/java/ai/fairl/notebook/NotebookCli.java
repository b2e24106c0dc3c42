package ai.fairl.notebook;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code fairl notebook install|run}.
 *
 * <pre>
 * install [--user | --sys-prefix | --prefix P] [--name fairl-java] [--display-name TEXT]
 *         [--classpath CP] [--jvm-opt OPT]... [--no-class-archive]
 * run IN.ipynb OUT.ipynb [-p NAME VALUE]... [-f params.yaml] [--cwd DIR] [--log-output]
 *     [--kernel NAME] [--start-timeout S] [--execution-timeout S]
 * memory-check [--recipe R] [--gpu] [--steps N] [--out DIR] [--kernel NAME] [key=value]...
 * </pre>
 *
 * <p>Exit codes: 0 success, 1 a cell failed (the output notebook shows the error in place), 2 bad
 * arguments, 138 the kernel could not start or died (papermill's code for a dead kernel).
 */
public final class NotebookCli {
  private NotebookCli() {}

  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err));
  }

  static int run(String[] args, PrintStream out, PrintStream err) {
    if (args.length == 0 || args[0].equals("-h") || args[0].equals("--help")) {
      usage(out);
      return args.length == 0 ? 2 : 0;
    }
    List<String> rest = List.of(args).subList(1, args.length);
    try {
      return switch (args[0]) {
        case "install" -> install(rest, out);
        case "run" -> runNotebook(rest, out, err);
        case "memory-check" -> memoryCheck(rest, out, err);
        default ->
            throw new UsageException(
                "unknown command '" + args[0] + "'; use install, run or memory-check");
      };
    } catch (UsageException e) {
      err.println("fairl notebook: " + e.getMessage());
      err.println("hint: fairl notebook --help");
      return 2;
    } catch (IllegalArgumentException | IOException e) {
      err.println("fairl notebook: " + e.getMessage());
      return 2;
    }
  }

  private static int install(List<String> args, PrintStream out) throws IOException {
    String where = "--user";
    String prefix = null;
    String name = FairlKernel.KERNEL_NAME;
    String display = "FAI-RL (Java)";
    String classpath = System.getenv("FAIRL_CLASSPATH");
    List<String> jvmOpts = new ArrayList<>();
    boolean archive = true;
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      switch (a) {
        case "--user", "--sys-prefix" -> where = a;
        case "--prefix" -> {
          where = a;
          prefix = value(args, ++i, a);
        }
        case "--name" -> name = value(args, ++i, a);
        case "--display-name" -> display = value(args, ++i, a);
        case "--classpath" -> classpath = value(args, ++i, a);
        case "--jvm-opt" -> jvmOpts.add(value(args, ++i, a));
        case "--no-class-archive" -> archive = false;
        default -> throw new UsageException("install: unknown argument " + a);
      }
    }
    List<String> argv = KernelSpecs.ownKernelArgv(jvmOpts, classpath);
    Path target;
    if (where.equals("--sys-prefix")) {
      Path tmp = Files.createTempDirectory("fairl-kernelspec-").resolve(name);
      if (archive) {
        argv = ClassArchive.install(argv, tmp, out);
      }
      KernelSpecs.writeSpec(tmp, display, argv, KernelSpecs.nativeEnv(System.getenv()));
      String jupyter = System.getenv().getOrDefault("JUPYTER", "jupyter");
      ProcessBuilder pb =
          new ProcessBuilder(
                  jupyter, "kernelspec", "install", "--sys-prefix", "--name", name, tmp.toString())
              .inheritIO();
      int rc;
      try {
        rc = pb.start().waitFor();
      } catch (IOException e) {
        throw new IllegalArgumentException(
            "--sys-prefix needs the environment's 'jupyter' command (set JUPYTER=/path/to/jupyter): "
                + e.getMessage());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return 1;
      }
      if (rc != 0) {
        throw new IllegalArgumentException(
            "'" + jupyter + " kernelspec install --sys-prefix' failed with exit code " + rc);
      }
      out.println("installed kernelspec " + name + " (--sys-prefix)");
      return 0;
    }
    Path data =
        where.equals("--prefix")
            ? Path.of(prefix).toAbsolutePath().resolve("share/jupyter")
            : KernelSpecs.userDataDir();
    target = data.resolve("kernels").resolve(name);
    if (archive) {
      argv = ClassArchive.install(argv, target, out);
    } else {
      Files.deleteIfExists(target.resolve(ClassArchive.FILE));
    }
    Map<String, String> env = KernelSpecs.nativeEnv(System.getenv());
    KernelSpecs.writeSpec(target, display, argv, env);
    out.println("installed kernelspec " + name + " in " + target);
    if (env.containsKey("PYTORCH_LIBRARY_PATH")) {
      out.println(
          "the kernel runs on fairl-native: PyTorch "
              + env.getOrDefault("PYTORCH_VERSION", "?")
              + " ("
              + env.getOrDefault("PYTORCH_FLAVOR", "?")
              + ") from "
              + env.get("PYTORCH_LIBRARY_PATH"));
    }
    return 0;
  }

  private static int runNotebook(List<String> args, PrintStream out, PrintStream err)
      throws IOException {
    List<String> pos = new ArrayList<>();
    Map<String, Object> yaml = new LinkedHashMap<>();
    Map<String, Object> cli = new LinkedHashMap<>();
    Path cwd = null;
    boolean logOutput = false;
    String kernel = null;
    Duration start = Duration.ofSeconds(60);
    Duration exec = Duration.ofHours(24);
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      switch (a) {
        case "-p", "--parameters" -> {
          String n = value(args, ++i, a);
          cli.put(n, Parameters.infer(value(args, ++i, a + " " + n)));
        }
        case "-r", "--parameters_raw" -> {
          String n = value(args, ++i, a);
          cli.put(n, value(args, ++i, a + " " + n));
        }
        case "-f", "--parameters_file" ->
            yaml.putAll(Parameters.readYaml(Path.of(value(args, ++i, a))));
        case "--cwd" -> cwd = Path.of(value(args, ++i, a));
        case "--log-output" -> logOutput = true;
        case "--kernel", "-k" -> kernel = value(args, ++i, a);
        case "--start-timeout" -> start = Duration.ofSeconds(Long.parseLong(value(args, ++i, a)));
        case "--execution-timeout" ->
            exec = Duration.ofSeconds(Long.parseLong(value(args, ++i, a)));
        default -> {
          if (a.startsWith("-") && !a.equals("-")) {
            throw new UsageException("run: unknown option " + a);
          }
          pos.add(a);
        }
      }
    }
    if (pos.size() != 2) {
      throw new UsageException("run needs IN.ipynb and OUT.ipynb, got " + pos);
    }
    Path in = Path.of(pos.get(0));
    if (!Files.isRegularFile(in)) {
      throw new IllegalArgumentException("input notebook not found: " + in);
    }
    if (cwd != null && !Files.isDirectory(cwd)) {
      throw new IllegalArgumentException("--cwd " + cwd + " is not a directory");
    }
    Map<String, Object> params = new LinkedHashMap<>(yaml);
    params.putAll(cli);
    List<String> argv =
        kernel == null
            ? KernelSpecs.ownKernelArgv(jvmOptsFromEnv(), System.getenv("FAIRL_CLASSPATH"))
            : KernelSpecs.installedArgv(kernel);
    Map<String, String> kernelEnv = kernel == null ? Map.of() : KernelSpecs.installedEnv(kernel);
    NotebookRunner.Result r =
        NotebookRunner.run(
            new NotebookRunner.Options(
                in, Path.of(pos.get(1)), params, cwd, logOutput, argv, kernelEnv, start, exec),
            err);
    if (r.exitCode() == 1) {
      err.println(
          "fairl notebook run: cell "
              + (r.failedCell() + 1)
              + " failed: "
              + r.error()
              + "\nthe output notebook shows the error in place: "
              + pos.get(1));
    } else if (r.exitCode() != 0) {
      err.println("fairl notebook run: " + r.error());
    }
    return r.exitCode();
  }

  /**
   * {@code memory-check}: {@link MemoryCheck} in a fresh kernel (ours, or an installed kernelspec
   * with {@code --kernel}); prints the table, writes {@code memory-check.md} and {@code
   * memory-check.json} into {@code --out}; exit 1 when memory did not stay flat.
   */
  private static int memoryCheck(List<String> args, PrintStream out, PrintStream err)
      throws IOException {
    String home = System.getProperty("fairl.home", System.getenv("FAIRL_HOME"));
    String recipe =
        home == null
            ? null
            : Path.of(home, "recipes/training/grpo/tiny_arithmetic.yaml").toString();
    boolean gpu = false;
    int steps = 3;
    Path outDir = Path.of("memory-check");
    String kernel = null;
    List<String> overrides = new ArrayList<>();
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      switch (a) {
        case "--recipe" -> recipe = value(args, ++i, a);
        case "--gpu" -> gpu = true;
        case "--steps" -> steps = Integer.parseInt(value(args, ++i, a));
        case "--out" -> outDir = Path.of(value(args, ++i, a));
        case "--kernel", "-k" -> kernel = value(args, ++i, a);
        default -> {
          if (a.startsWith("-") || !a.contains("=")) {
            throw new UsageException("memory-check: unknown argument " + a);
          }
          overrides.add(a);
        }
      }
    }
    if (recipe == null) {
      throw new UsageException("memory-check needs --recipe (FAIRL_HOME is not set)");
    }
    Files.createDirectories(outDir);
    Path runs = outDir.toAbsolutePath().resolve("runs");
    StringBuilder extra = new StringBuilder();
    for (String o : overrides) {
      extra.append(' ').append(o);
    }
    String recipeLine = recipe + extra;
    String body =
        "training:\n  max_steps: "
            + steps
            + "\n  save_steps: "
            + steps
            + "\n  logging_steps: 1\n  output_dir: "
            + runs
            + "/{run}\n";
    String interrupt =
        "training:\n  max_steps: 100000\n  save_steps: 100000\n  logging_steps: 1\n"
            + "  output_dir: "
            + runs
            + "/interrupted\n";
    List<String> argv =
        kernel == null
            ? KernelSpecs.ownKernelArgv(jvmOptsFromEnv(), System.getenv("FAIRL_CLASSPATH"))
            : KernelSpecs.installedArgv(kernel);
    MemoryCheck.Result r;
    try {
      r =
          MemoryCheck.run(
              new MemoryCheck.Options(
                  argv,
                  null,
                  kernel == null ? Map.of() : KernelSpecs.installedEnv(kernel),
                  recipeLine,
                  body,
                  interrupt,
                  gpu,
                  Duration.ofMinutes(10)),
              err);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 1;
    }
    String md = r.markdown();
    out.print(md);
    StringBuilder tables = new StringBuilder(md).append('\n');
    for (MemoryCheck.Row row : r.rows()) {
      tables.append("%fairl_memory ").append(row.phase()).append(":\n").append(row.table());
      tables.append("\n\n");
    }
    Files.writeString(outDir.resolve("memory-check.md"), tables);
    Files.writeString(
        outDir.resolve("memory-check.json"),
        new com.google.gson.GsonBuilder().setPrettyPrinting().create().toJson(r) + "\n");
    if (!r.ok()) {
      r.failures().forEach(f -> err.println("memory-check: FAILED: " + f));
      return 1;
    }
    out.println(
        "memory-check: flat (open tensors back to their count before the first run"
            + (gpu ? "; GPU allocated, reserved and peak within run 1's" : "")
            + ")");
    return 0;
  }

  private static List<String> jvmOptsFromEnv() {
    String opts = System.getenv("FAIRL_KERNEL_OPTS");
    return opts == null || opts.isBlank() ? List.of() : List.of(opts.strip().split("\\s+"));
  }

  private static String value(List<String> args, int i, String option) {
    if (i >= args.size()) {
      throw new UsageException(option + " needs a value");
    }
    return args.get(i);
  }

  private static void usage(PrintStream out) {
    out.println(
        String.join(
            "\n",
            "usage: fairl notebook install [--user | --sys-prefix | --prefix P] [--name NAME]",
            "                              [--display-name TEXT] [--classpath CP] [--jvm-opt OPT]...",
            "                              [--no-class-archive]",
            "       fairl notebook run IN.ipynb OUT.ipynb [-p NAME VALUE]... [-r NAME RAW]...",
            "                          [-f params.yaml] [--cwd DIR] [--log-output] [--kernel NAME]",
            "                          [--start-timeout S] [--execution-timeout S]",
            "       fairl notebook memory-check [--recipe R] [--gpu] [--steps N] [--out DIR]",
            "                          [--kernel NAME] [key=value]...",
            "run follows papermill: parameters go into an injected-parameters cell after the cell",
            "tagged 'parameters'; the run stops at the first error (exit 1) and OUT shows it."));
  }

  static final class UsageException extends IllegalArgumentException {
    UsageException(String m) {
      super(m);
    }
  }
}
