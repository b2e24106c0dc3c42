package ai.fairl.eval;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/** The benchmark data kept outside the repository (property fairl.shared.data). */
final class SharedData {
  private SharedData() {}

  /** Points the dataset mirror at the shared data; returns the previous value to restore. */
  static String useAsMirror() {
    String before = System.getProperty("fairl.datasets.dir");
    System.setProperty("fairl.datasets.dir", dir().toString());
    return before;
  }

  static void restoreMirror(String before) {
    if (before == null) {
      System.clearProperty("fairl.datasets.dir");
    } else {
      System.setProperty("fairl.datasets.dir", before);
    }
  }

  static Path dir() {
    String p = System.getProperty("fairl.shared.data");
    assertTrue(p != null, "system property fairl.shared.data is not set (the parent pom sets it)");
    Path d = Path.of(p);
    assertTrue(
        Files.isDirectory(d.resolve("mmlu/test"))
            && Files.isRegularFile(d.resolve("gsm8k/test.jsonl")),
        "fairl.shared.data=" + d + " does not hold mmlu/test and gsm8k/test.jsonl");
    return d;
  }
}
