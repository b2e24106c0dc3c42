package ai.fairl;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The one facade of FAI-RL for Java: recipes, training, generation, inference, evaluation. */
public final class Fairl {
  private Fairl() {}

  /** The project version, from the jar manifest or "dev" when run from classes. */
  public static String version() {
    String v = Fairl.class.getPackage().getImplementationVersion();
    return v == null ? "dev" : v;
  }

  /**
   * The git commit the running build was made from ({@code abc1234}, with {@code -dirty} when the
   * tree had uncommitted changes), or {@code unknown} when built outside a git checkout.
   */
  public static String gitCommit() {
    try (InputStream in = Fairl.class.getResourceAsStream("git.properties")) {
      if (in == null) {
        return "unknown";
      }
      Properties p = new Properties();
      p.load(in);
      String id = p.getProperty("git.commit.id.abbrev", "unknown");
      return Boolean.parseBoolean(p.getProperty("git.dirty", "false")) ? id + "-dirty" : id;
    } catch (IOException e) {
      return "unknown";
    }
  }
}
