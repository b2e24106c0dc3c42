package ai.fairl.cli;

import ai.fairl.recipe.Recipe;
import ai.fairl.recipe.RecipeException;
import ai.fairl.recipe.Recipes;
import ai.fairl.recipe.Resolved;
import ai.fairl.recipe.TrainingRecipe;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code fairl recipe show|validate}. */
@Command(
    name = "recipe",
    mixinStandardHelpOptions = true,
    description = "Show or validate recipes.",
    subcommands = {RecipeCommand.Show.class, RecipeCommand.Validate.class})
final class RecipeCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    throw new UsageException(
        "missing subcommand", "use: fairl recipe show FILE, or fairl recipe validate FILE...");
  }

  /** Prints the resolved recipe, as --dry-run does. */
  @Command(
      name = "show",
      mixinStandardHelpOptions = true,
      description =
          "Print a recipe fully resolved: defaults with their origin, notes, secrets as ***.")
  static final class Show implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "FILE", description = "The recipe.")
    Path file;

    @Parameters(index = "1..*", paramLabel = "key=value", description = "Overrides.")
    List<String> overrides = new ArrayList<>();

    @Override
    public Integer call() {
      Session s = Cli.current();
      Resolved<? extends Recipe> r = Recipes.load(file, overrides, Cli.context(s), null);
      s.out.print(r.render());
      s.out.flush();
      return 0;
    }
  }

  /** Validates recipes; exit 2 when any is invalid. */
  @Command(
      name = "validate",
      mixinStandardHelpOptions = true,
      description = "Check recipes; prints one line per file; exit 2 if any is invalid.")
  static final class Validate implements Callable<Integer> {
    @Parameters(arity = "1..*", paramLabel = "FILE", description = "Recipes to check.")
    List<Path> files = new ArrayList<>();

    @Override
    public Integer call() {
      Session s = Cli.current();
      int bad = 0;
      for (Path f : files) {
        try {
          Resolved<? extends Recipe> r = Recipes.load(f, List.of(), Cli.context(s), null);
          String what =
              r.recipe() instanceof TrainingRecipe t
                  ? "training, " + t.training().algorithm()
                  : r.recipe().kind();
          s.out.println("ok: " + f + " (" + what + ")");
        } catch (RecipeException e) {
          bad++;
          s.err.println(s.tool + ": error: " + e.cause());
          if (e.hint() != null) {
            s.err.println("  hint: " + e.hint());
          }
        }
      }
      s.out.flush();
      return bad == 0 ? 0 : 2;
    }
  }
}
