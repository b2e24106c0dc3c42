package ai.fairl.infer;

import java.util.function.Supplier;

/**
 * A model to answer with, opened only when it has rows left to answer (a resumed run that is done
 * with a checkpoint never loads it). {@code label} fills the checkpoint column of multi-checkpoint
 * runs (FAI-RL writes the path).
 */
public record CheckpointSource(String label, Supplier<TextGenerator> open) {
  public CheckpointSource {
    if (label == null || label.isBlank()) {
      throw new IllegalArgumentException("a checkpoint needs a label (its path or model name)");
    }
  }

  /** A source for a generator that already exists. */
  public static CheckpointSource of(TextGenerator g) {
    return new CheckpointSource(g.name(), () -> g);
  }
}
