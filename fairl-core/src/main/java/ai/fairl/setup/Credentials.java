package ai.fairl.setup;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Where FAI-RL finds the Hugging Face and W&B keys, in the same places as the Python tools:
 *
 * <ul>
 *   <li>Hugging Face: {@code HF_TOKEN}, else the token file that {@code huggingface-cli login}
 *       writes: {@code $HF_TOKEN_PATH}, else {@code $HF_HOME/token}, else {@code
 *       ~/.cache/huggingface/token} ({@code HF_HOME} defaults to {@code
 *       $XDG_CACHE_HOME/huggingface}).
 *   <li>W&B: the recipe's {@code wandb.api_key}, else {@code WANDB_API_KEY}, else the {@code
 *       ~/.netrc} entry that {@code wandb login} writes ({@code machine api.wandb.ai login user
 *       password KEY}; the machine is the host of {@code WANDB_BASE_URL} when set).
 * </ul>
 *
 * Keys are never printed: {@link #describe} says only where a key was found.
 */
public final class Credentials {
  private final Map<String, String> env;
  private final Path home;

  public Credentials(Map<String, String> env, Path home) {
    this.env = Map.copyOf(env);
    this.home = home;
  }

  /** The credentials of the running process. */
  public static Credentials system() {
    return new Credentials(System.getenv(), Path.of(System.getProperty("user.home")));
  }

  /** A key and where it came from ({@code HF_TOKEN}, a file path, ...). */
  public record Found(String value, String source) {
    @Override
    public String toString() {
      return "key from " + source; // never the value
    }
  }

  /** The Hugging Face Hub folder: {@code $HF_HOME}, else {@code ~/.cache/huggingface}. */
  public Path hfHome() {
    String hf = env.get("HF_HOME");
    if (hf != null && !hf.isBlank()) {
      return Path.of(hf);
    }
    String xdg = env.get("XDG_CACHE_HOME");
    Path cache = xdg != null && !xdg.isBlank() ? Path.of(xdg) : home.resolve(".cache");
    return cache.resolve("huggingface");
  }

  /** The token file that {@code huggingface-cli login} writes and reads. */
  public Path hfTokenFile() {
    String p = env.get("HF_TOKEN_PATH");
    return p != null && !p.isBlank() ? Path.of(p) : hfHome().resolve("token");
  }

  public Optional<Found> huggingFaceToken() {
    String t = env.get("HF_TOKEN");
    if (t != null && !t.isBlank()) {
      return Optional.of(new Found(t.trim(), "HF_TOKEN"));
    }
    Path file = hfTokenFile();
    if (Files.isRegularFile(file)) {
      try {
        String v = Files.readString(file, StandardCharsets.UTF_8).trim();
        if (!v.isEmpty()) {
          return Optional.of(new Found(v, file.toString()));
        }
      } catch (IOException e) {
        throw new IllegalStateException("cannot read the Hugging Face token file " + file, e);
      }
    }
    return Optional.empty();
  }

  /** Writes the Hugging Face token file (mode 600), as {@code huggingface-cli login} does. */
  public Path saveHuggingFaceToken(String token) throws IOException {
    requireToken(token, "Hugging Face token");
    Path file = hfTokenFile();
    writePrivate(file, token.trim());
    return file;
  }

  /** The W&B host whose {@code ~/.netrc} entry holds the key. */
  public String wandbHost() {
    String base = env.getOrDefault("WANDB_BASE_URL", "https://api.wandb.ai");
    String host = base.replaceFirst("^[a-zA-Z]+://", "");
    int slash = host.indexOf('/');
    host = slash >= 0 ? host.substring(0, slash) : host;
    int colon = host.indexOf(':');
    return colon >= 0 ? host.substring(0, colon) : host;
  }

  public Path netrc() {
    String p = env.get("NETRC");
    return p != null && !p.isBlank() ? Path.of(p) : home.resolve(".netrc");
  }

  /**
   * The W&B key: {@code recipeKey} when given, else {@code WANDB_API_KEY}, else {@code ~/.netrc}.
   */
  public Optional<Found> wandbKey(String recipeKey) {
    if (recipeKey != null && !recipeKey.isBlank()) {
      return Optional.of(new Found(recipeKey.trim(), "recipe wandb.api_key"));
    }
    String k = env.get("WANDB_API_KEY");
    if (k != null && !k.isBlank()) {
      return Optional.of(new Found(k.trim(), "WANDB_API_KEY"));
    }
    return readNetrc(netrc(), wandbHost())
        .map(v -> new Found(v, netrc() + " (" + wandbHost() + ")"));
  }

  /** Adds or replaces the {@code machine <host>} entry of {@code ~/.netrc}, as wandb login does. */
  public Path saveWandbKey(String key) throws IOException {
    requireToken(key, "W&B API key");
    Path file = netrc();
    String host = wandbHost();
    List<String> kept = new ArrayList<>();
    if (Files.isRegularFile(file)) {
      List<String> entries = netrcEntries(Files.readString(file, StandardCharsets.UTF_8));
      for (String e : entries) {
        String[] t = e.trim().split("\\s+");
        if (!(t.length >= 2 && t[0].equals("machine") && t[1].equals(host))) {
          kept.add(e.strip());
        }
      }
    }
    kept.add("machine " + host + "\n  login user\n  password " + key.trim());
    writePrivate(file, String.join("\n", kept) + "\n");
    return file;
  }

  /** Whether a value looks like a key and not a placeholder. */
  private static void requireToken(String token, String what) {
    if (token == null || token.isBlank()) {
      throw new IllegalArgumentException(what + " is empty: pass the key (it is never printed)");
    }
    if (token.strip().chars().anyMatch(Character::isWhitespace)) {
      throw new IllegalArgumentException(what + " contains whitespace: pass the key alone");
    }
    if (token.contains("<") || token.contains(">")) {
      throw new IllegalArgumentException(
          what + " looks like a placeholder (<...>): pass the real key (it is never printed)");
    }
  }

  static Optional<String> readNetrc(Path file, String host) {
    if (!Files.isRegularFile(file)) {
      return Optional.empty();
    }
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + file, e);
    }
    for (String entry : netrcEntries(text)) {
      String[] t = entry.trim().split("\\s+");
      if (t.length >= 2 && t[0].equals("machine") && t[1].equals(host)) {
        for (int i = 2; i + 1 < t.length; i += 2) {
          if (t[i].equals("password")) {
            return Optional.of(t[i + 1]);
          }
        }
      }
    }
    return Optional.empty();
  }

  /** Splits a netrc file into entries, each starting with {@code machine} or {@code default}. */
  private static List<String> netrcEntries(String text) {
    List<String> out = new ArrayList<>();
    StringBuilder cur = new StringBuilder();
    for (String tok : text.split("(?<=\\s)(?=\\S)")) {
      String t = tok.strip();
      if ((t.equals("machine") || t.equals("default")) && cur.length() > 0) {
        out.add(cur.toString());
        cur.setLength(0);
      }
      cur.append(tok);
    }
    if (!cur.toString().isBlank()) {
      out.add(cur.toString());
    }
    return out;
  }

  private static void writePrivate(Path file, String content) throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path tmp = Files.createTempFile(dir, ".fairl-", ".tmp");
    try {
      try {
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
      } catch (UnsupportedOperationException ignored) {
        // not a POSIX file system: the platform's default permissions apply
      }
      Files.writeString(tmp, content, StandardCharsets.UTF_8);
      try {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
  }
}
