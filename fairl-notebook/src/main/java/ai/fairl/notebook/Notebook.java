package ai.fairl.notebook;

import ai.fairl.train.StopSignal;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What cells and magics share with the kernel: the one {@link StopSignal} that the kernel's
 * interrupt trips, and whether a run is listening to it.
 *
 * <p>Training started from a cell passes {@link #stopSignal()} to the run and brackets it with
 * {@link #runStarted()} / {@link #runEnded()}; while a run listens, an interrupt only trips the
 * signal, so the loop stops at a step boundary and writes its checkpoint. Without a listening run
 * (or on a second interrupt) the kernel also interrupts the cell's thread.
 */
public final class Notebook {
  private static final StopSignal STOP = new StopSignal();
  private static final AtomicInteger LISTENING_RUNS = new AtomicInteger();

  private Notebook() {}

  /** The stop signal the kernel's interrupt trips; reset at the start of every cell. */
  public static StopSignal stopSignal() {
    return STOP;
  }

  /** A run that checks {@link #stopSignal()} between steps has started in this cell. */
  public static void runStarted() {
    LISTENING_RUNS.incrementAndGet();
  }

  /** The run announced by {@link #runStarted()} has ended. */
  public static void runEnded() {
    LISTENING_RUNS.updateAndGet(n -> Math.max(0, n - 1));
  }

  /**
   * The resolved keys of a recipe (value, origin, note) as a table, what {@code %fairl_recipe}
   * shows: secrets masked, paths relative to the working directory or {@code $FAIRL_HOME}.
   */
  public static tech.tablesaw.api.Table recipeTable(ai.fairl.recipe.Resolved<?> resolved) {
    return Magics.recipeTable(resolved);
  }

  static boolean runListening() {
    return LISTENING_RUNS.get() > 0;
  }

  static void resetForCell() {
    STOP.reset();
    LISTENING_RUNS.set(0);
  }
}
