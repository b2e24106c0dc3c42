package ai.fairl.train;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Checkpoint folders {@code output_dir/checkpoint-<step>/}, written atomically: everything goes
 * into a hidden temporary folder, every file and the folder are fsynced, and only then is the
 * folder renamed to its final name. A crash leaves at most a {@code .tmp-checkpoint-*} folder,
 * which {@link #latest} never picks. {@code trainer_state.json} is written last, and a folder
 * without it does not count as a checkpoint.
 */
public final class Checkpoints {
  private static final Pattern NAME = Pattern.compile("checkpoint-(\\d+)");
  static final String STATE_FILE = "trainer_state.json";

  private Checkpoints() {}

  /** Writes the contents of a checkpoint into a folder. */
  @FunctionalInterface
  interface Writer {
    void write(Path dir) throws IOException;
  }

  /** Writes {@code output_dir/checkpoint-<step>} atomically and returns it. */
  static Path write(Path outputDir, int step, Writer writer) throws IOException {
    Files.createDirectories(outputDir);
    Path tmp = outputDir.resolve(".tmp-checkpoint-" + step + "-" + System.nanoTime());
    Files.createDirectory(tmp);
    try {
      writer.write(tmp);
      try (Stream<Path> files = Files.walk(tmp)) {
        for (Path f : (Iterable<Path>) files::iterator) {
          fsync(f, Files.isDirectory(f));
        }
      }
      fsync(tmp, true);
      Path target = outputDir.resolve("checkpoint-" + step);
      if (Files.exists(target)) {
        // A resumed run saving the same step again: move the old one aside first.
        Path old = outputDir.resolve(".old-checkpoint-" + step + "-" + System.nanoTime());
        Files.move(target, old, StandardCopyOption.ATOMIC_MOVE);
        move(tmp, target);
        deleteTree(old);
      } else {
        move(tmp, target);
      }
      fsync(outputDir, true);
      return target;
    } catch (IOException | RuntimeException e) {
      deleteTree(tmp);
      throw e;
    }
  }

  private static void move(Path from, Path to) throws IOException {
    try {
      Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(from, to);
    }
  }

  private static void fsync(Path p, boolean dir) {
    try (FileChannel ch =
        FileChannel.open(p, dir ? StandardOpenOption.READ : StandardOpenOption.WRITE)) {
      ch.force(true);
    } catch (IOException e) {
      // Some file systems refuse to open directories; the rename is still atomic there.
      if (!dir) {
        throw new UncheckedIOException("could not fsync " + p, e);
      }
    }
  }

  /** Complete checkpoints in {@code outputDir}, oldest (lowest step) first. */
  public static List<Path> list(Path outputDir) {
    List<Path> out = new ArrayList<>();
    if (!Files.isDirectory(outputDir)) {
      return out;
    }
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(outputDir, "checkpoint-*")) {
      for (Path p : ds) {
        if (NAME.matcher(p.getFileName().toString()).matches()
            && Files.isRegularFile(p.resolve(STATE_FILE))) {
          out.add(p);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("could not list checkpoints in " + outputDir, e);
    }
    out.sort(Comparator.comparingInt(Checkpoints::step));
    return out;
  }

  /** The newest complete checkpoint in {@code outputDir}, if any. */
  public static Optional<Path> latest(Path outputDir) {
    List<Path> all = list(outputDir);
    return all.isEmpty() ? Optional.empty() : Optional.of(all.get(all.size() - 1));
  }

  /** The step in a folder name {@code checkpoint-<step>}. */
  public static int step(Path checkpoint) {
    Matcher m = NAME.matcher(checkpoint.getFileName().toString());
    if (!m.matches()) {
      throw new IllegalArgumentException(checkpoint + " is not named checkpoint-<step>");
    }
    return Integer.parseInt(m.group(1));
  }

  /**
   * Deletes the oldest checkpoints so that at most {@code limit} remain ({@code <= 0}: keep all).
   */
  static void rotate(Path outputDir, int limit) throws IOException {
    if (limit <= 0) {
      return;
    }
    List<Path> all = list(outputDir);
    for (int i = 0; i < all.size() - limit; i++) {
      deleteTree(all.get(i));
    }
  }

  /**
   * Resolves {@code resume_from_checkpoint}: null/empty/false means none; {@code latest} or {@code
   * true} the newest in {@code outputDir} (an error if there is none); otherwise a folder.
   */
  static Optional<Path> resolveResume(String value, Path outputDir) {
    if (value == null || value.isBlank() || value.equalsIgnoreCase("false")) {
      return Optional.empty();
    }
    if (value.equalsIgnoreCase("latest") || value.equalsIgnoreCase("true")) {
      return Optional.of(
          latest(outputDir)
              .orElseThrow(
                  () ->
                      new IllegalArgumentException(
                          "training.resume_from_checkpoint: "
                              + value
                              + " but "
                              + outputDir
                              + " holds no complete checkpoint-<step> folder; remove the key to"
                              + " start fresh")));
    }
    Path p = Path.of(value);
    if (!Files.isRegularFile(p.resolve(STATE_FILE))) {
      throw new IllegalArgumentException(
          "training.resume_from_checkpoint: "
              + p
              + " is not a complete checkpoint (no "
              + STATE_FILE
              + "); point it at an output_dir/checkpoint-<step> folder or use 'latest'");
    }
    return Optional.of(p);
  }

  static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path p : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) {
        Files.deleteIfExists(p);
      }
    }
  }
}
