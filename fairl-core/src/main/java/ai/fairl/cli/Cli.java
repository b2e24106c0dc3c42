package ai.fairl.cli;

import ai.fairl.recipe.RecipeException;
import ai.fairl.recipe.Recipes;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import picocli.CommandLine;

/**
 * Runs one CLI invocation and returns its exit status: 0 success, 2 usage or recipe error (a
 * one-line cause and a hint; {@code --debug} adds the stack trace), 1 runtime failure.
 */
public final class Cli {
  private Cli() {}

  private static final ThreadLocal<Session> CURRENT = new ThreadLocal<>();

  /**
   * The tools: {@code fairl}, {@code fai-rl-train}, {@code fai-rl-inference}, {@code fai-rl-eval}.
   */
  public static int run(
      String tool,
      String[] args,
      PrintWriter out,
      PrintWriter err,
      Map<String, String> env,
      Path workDir) {
    Session s = new Session(tool, out, err, env, workDir.toAbsolutePath());
    CURRENT.set(s);
    try {
      CommandLine cmd = build(tool, s, args);
      cmd.setOut(out);
      cmd.setErr(err);
      cmd.setExecutionExceptionHandler((ex, cl, parsed) -> failure(s, ex));
      cmd.setParameterExceptionHandler(
          (ex, a) -> {
            err.println(tool + ": error: " + ex.getMessage());
            CommandLine.UnmatchedArgumentException.printSuggestions(ex, err);
            err.println(
                "  hint: see " + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help");
            err.flush();
            return 2;
          });
      int code = cmd.execute(args);
      out.flush();
      err.flush();
      return code;
    } finally {
      CURRENT.remove();
    }
  }

  /** The process-level entry: the real environment and working directory. */
  public static int run(String tool, String[] args) {
    PrintWriter out = new PrintWriter(System.out, true);
    PrintWriter err = new PrintWriter(System.err, true);
    return run(tool, args, out, err, System.getenv(), Path.of(""));
  }

  private static CommandLine build(String tool, Session s, String[] args) {
    switch (tool) {
      case "fai-rl-train":
        return new CommandLine(new TrainCommand(s, args));
      case "fai-rl-inference":
        return new CommandLine(new InferenceCommand(s, args));
      case "fai-rl-eval":
        return new CommandLine(new EvalCommand(s, args));
      case "fairl":
        String[] rest = args.length > 0 ? java.util.Arrays.copyOfRange(args, 1, args.length) : args;
        CommandLine root = new CommandLine(new FairlCommand());
        root.addSubcommand("train", new CommandLine(new TrainCommand(s, rest)));
        root.addSubcommand("inference", new CommandLine(new InferenceCommand(s, rest)));
        root.addSubcommand("eval", new CommandLine(new EvalCommand(s, rest)));
        root.addSubcommand("recipe", new CommandLine(new RecipeCommand()));
        root.addSubcommand("native", new CommandLine(new NativeCommand()));
        root.addSubcommand("doctor", new CommandLine(new DoctorCommand()));
        root.addSubcommand("demo", new CommandLine(new DemoCommand()));
        root.addSubcommand("generate", new CommandLine(new ai.fairl.generate.GenerateMain()));
        root.addSubcommand("bench", new CommandLine(new ai.fairl.bench.BenchCommand()));
        root.addSubcommand("login", new CommandLine(new LoginCommand()));
        root.addSubcommand("api-check", new CommandLine(new ApiCheckCommand()));
        return root;
      default:
        throw new IllegalArgumentException("unknown tool " + tool);
    }
  }

  static Session current() {
    return CURRENT.get();
  }

  static Recipes.Context context(Session s) {
    Recipes.Context d = Recipes.Context.defaults();
    return new Recipes.Context(d.installRoot(), s.workDir, s.env::get);
  }

  private static int failure(Session s, Exception ex) {
    PrintWriter err = s.err;
    int code;
    if (ex instanceof RecipeException re) {
      err.println(s.tool + ": error: " + re.cause());
      if (re.hint() != null) {
        err.println("  hint: " + re.hint());
      }
      code = 2;
    } else if (ex instanceof UsageException ue) {
      err.println(s.tool + ": error: " + ue.getMessage());
      if (ue.hint() != null) {
        err.println("  hint: " + ue.hint());
      }
      code = 2;
    } else if (ex instanceof Workers.Failure wf) {
      err.println(s.tool + ": error: " + wf.getMessage());
      if (wf.hint != null) {
        err.println("  hint: " + wf.hint);
      }
      code = 1;
    } else if (ex instanceof Engines.Missing m) {
      err.println(s.tool + ": error: " + m.getMessage());
      err.println(
          "  hint: this build has the recipe layer only; use --dry-run, or build a checkout that"
              + " includes the engine (mvn -B -q package -DskipTests)");
      code = 1;
    } else {
      String msg = ex.getMessage() == null ? ex.getClass().getSimpleName() : ex.getMessage();
      err.println(s.tool + ": error: " + msg.lines().findFirst().orElse(msg));
      if (!s.debug) {
        err.println("  hint: run again with --debug for the stack trace");
      }
      code = 1;
    }
    if (s.debug) {
      ex.printStackTrace(err);
    }
    err.flush();
    return code;
  }
}
