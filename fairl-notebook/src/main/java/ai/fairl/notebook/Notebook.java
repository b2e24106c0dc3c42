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
  private static final java.util.concurrent.atomic.AtomicBoolean RAN_THIS_CELL =
      new java.util.concurrent.atomic.AtomicBoolean();

  private Notebook() {}

  /** The stop signal the kernel's interrupt trips; reset at the start of every cell. */
  public static StopSignal stopSignal() {
    return STOP;
  }

  /** A run that checks {@link #stopSignal()} between steps has started in this cell. */
  public static void runStarted() {
    LISTENING_RUNS.incrementAndGet();
    RAN_THIS_CELL.set(true);
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
    RAN_THIS_CELL.set(false);
  }

  /** Whether a run started in the cell that just ended (and forgets it). */
  static boolean takeRanThisCell() {
    return RAN_THIS_CELL.getAndSet(false);
  }

  /**
   * Gives memory that finished runs no longer use back: a garbage collection (Java objects that
   * referenced closed models), then, on a GPU, the CUDA caching allocator's unused blocks back to
   * the driver ({@code JniUtils.emptyCudaCache()}, PyTorch's {@code torch.cuda.empty_cache()}), so
   * that {@code %fairl_memory}'s "reserved" shows what the kernel really holds. The kernel calls
   * this after every cell in which a run started (finished, failed or interrupted); the tensors
   * themselves were freed when the run closed its managers.
   */
  public static void releaseMemory() {
    System.gc();
    if (ai.djl.engine.Engine.getInstance().getGpuCount() > 0) {
      ai.djl.pytorch.jni.JniUtils.emptyCudaCache();
    }
  }

  /**
   * Writes a model folder with seeded random weights of a real architecture ({@code Qwen2.5-0.5B},
   * {@code Llama-3.2-1B}, {@code Llama-3.2-3B}, {@code Llama-3-8B}: {@link
   * ai.fairl.model.TransformerConfig#named}) and the tokenizer files of {@code tokenizerDir}
   * ({@code tokenizer.json}, {@code tokenizer_config.json}), so that a recipe trains it like a
   * downloaded checkpoint: the real shapes, memory and speed, without the weights (it learns
   * nothing useful). Kept when it already exists (same name and seed). Returns the folder.
   *
   * @param device "gpu" creates the weights on GPU 0 in bf16 (fast); else on the CPU in fp32
   */
  public static java.nio.file.Path randomInitModel(
      String architecture,
      java.nio.file.Path tokenizerDir,
      java.nio.file.Path out,
      long seed,
      String device)
      throws java.io.IOException {
    var config = ai.fairl.model.TransformerConfig.named(architecture);
    java.nio.file.Path tokenizer = tokenizerDir.resolve("tokenizer.json");
    if (!java.nio.file.Files.isRegularFile(tokenizer)) {
      throw new IllegalArgumentException(
          "no tokenizer.json in "
              + tokenizerDir
              + ": a random-init "
              + architecture
              + " needs its family's tokenizer (a folder with tokenizer.json, e.g. a downloaded"
              + " checkpoint or build/fixtures/tokenizers/qwen3)");
    }
    java.nio.file.Path marker = out.resolve("random-init.txt");
    String what = architecture + " seed " + seed;
    if (java.nio.file.Files.isRegularFile(marker)
        && java.nio.file.Files.readString(marker).strip().equals(what)) {
      return out;
    }
    boolean gpu = device.equals("gpu");
    try (ai.djl.ndarray.NDManager m =
        ai.djl.ndarray.NDManager.newBaseManager(gpu ? ai.djl.Device.gpu() : ai.djl.Device.cpu())) {
      var model =
          ai.fairl.model.TransformerModel.create(
              config,
              m,
              gpu ? ai.djl.ndarray.types.DataType.BFLOAT16 : ai.djl.ndarray.types.DataType.FLOAT32,
              seed);
      model.save(out);
      model.close();
    }
    for (String f : java.util.List.of("tokenizer.json", "tokenizer_config.json")) {
      java.nio.file.Path src = tokenizerDir.resolve(f);
      if (java.nio.file.Files.isRegularFile(src)) {
        java.nio.file.Files.copy(
            src, out.resolve(f), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      }
    }
    java.nio.file.Files.writeString(marker, what + "\n");
    return out;
  }
}
