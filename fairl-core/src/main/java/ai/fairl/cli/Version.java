package ai.fairl.cli;

import ai.fairl.Fairl;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.IVersionProvider;

/** {@code --version}: the project version and the git commit of the install root. */
final class Version implements IVersionProvider {

  @Override
  public String[] getVersion() {
    return new String[] {
      "FAI-RL for Java " + Fairl.version() + " (commit " + buildCommit() + ")",
      "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vendor") + ")"
    };
  }

  /**
   * The commit the jar was built from ({@code ai/fairl/git.properties}, written by the build; with
   * {@code -dirty} for uncommitted changes), else the install root's checked-out commit.
   */
  static String buildCommit() {
    try (java.io.InputStream in = Fairl.class.getResourceAsStream("/ai/fairl/git.properties")) {
      if (in != null) {
        java.util.Properties p = new java.util.Properties();
        p.load(in);
        String id = p.getProperty("git.commit.id.abbrev");
        if (id != null && !id.isBlank()) {
          return Boolean.parseBoolean(p.getProperty("git.dirty", "false")) ? id + "-dirty" : id;
        }
      }
    } catch (IOException e) {
      // fall back to the checkout
    }
    return commit(installRoot());
  }

  static Path installRoot() {
    return ai.fairl.recipe.Recipes.Context.defaults().installRoot();
  }

  /** The commit checked out at {@code root}, read from {@code .git}; "unknown" outside git. */
  static String commit(Path root) {
    try {
      Path git = root.resolve(".git");
      if (Files.isRegularFile(git)) { // a worktree: "gitdir: <path>"
        String line = Files.readString(git).trim();
        if (line.startsWith("gitdir:")) {
          git = root.resolve(line.substring(7).trim());
        }
      }
      if (!Files.isDirectory(git)) {
        return "unknown";
      }
      String head = Files.readString(git.resolve("HEAD")).trim();
      if (!head.startsWith("ref:")) {
        return head.substring(0, Math.min(12, head.length()));
      }
      String ref = head.substring(4).trim();
      Path common = git;
      Path commonFile = git.resolve("commondir");
      if (Files.isRegularFile(commonFile)) {
        common = git.resolve(Files.readString(commonFile).trim()).normalize();
      }
      for (Path dir : List.of(git, common)) {
        Path refFile = dir.resolve(ref);
        if (Files.isRegularFile(refFile)) {
          String sha = Files.readString(refFile).trim();
          return sha.substring(0, Math.min(12, sha.length()));
        }
        Path packed = dir.resolve("packed-refs");
        if (Files.isRegularFile(packed)) {
          for (String l : Files.readAllLines(packed)) {
            if (l.endsWith(" " + ref)) {
              return l.substring(0, 12);
            }
          }
        }
      }
      return "unknown";
    } catch (IOException | RuntimeException e) {
      return "unknown";
    }
  }
}
