package ai.fairl.hub;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Locale;
import java.util.Map;

/**
 * Where and how to reach the Hugging Face Hub, read from the same environment variables as Python's
 * huggingface_hub: {@code HF_ENDPOINT}, {@code HF_HOME} (default {@code ~/.cache/huggingface}),
 * {@code HF_HUB_CACHE} (default {@code $HF_HOME/hub}), {@code HF_TOKEN} (else the file {@code
 * $HF_TOKEN_PATH}, default {@code $HF_HOME/token}) and {@code HF_HUB_OFFLINE}. The token never
 * appears in {@link #toString()}.
 *
 * @param endpoint e.g. {@code https://huggingface.co}
 * @param cacheDir the hub cache folder ({@code .../hub})
 * @param token access token or null
 * @param offline whether to use only what is cached
 */
public record HubSettings(String endpoint, Path cacheDir, String token, boolean offline) {
  public HubSettings {
    if (endpoint == null || !(endpoint.startsWith("http://") || endpoint.startsWith("https://"))) {
      throw new IllegalArgumentException("HF_ENDPOINT must be an http(s) URL, got " + endpoint);
    }
    endpoint = endpoint.endsWith("/") ? endpoint.substring(0, endpoint.length() - 1) : endpoint;
    if (token != null && token.isBlank()) {
      token = null;
    }
  }

  /** Settings from the process environment. */
  public static HubSettings fromEnvironment() {
    return fromEnvironment(System.getenv());
  }

  /** Settings from the given environment map (tests pass their own). */
  public static HubSettings fromEnvironment(Map<String, String> env) {
    String home = env.get("HF_HOME");
    Path hfHome =
        home != null
            ? Paths.get(home)
            : Paths.get(
                env.getOrDefault("XDG_CACHE_HOME", System.getProperty("user.home") + "/.cache"),
                "huggingface");
    Path cache =
        env.containsKey("HF_HUB_CACHE")
            ? Paths.get(env.get("HF_HUB_CACHE"))
            : hfHome.resolve("hub");
    String token = env.get("HF_TOKEN");
    if (token == null || token.isBlank()) {
      Path tokenFile =
          env.containsKey("HF_TOKEN_PATH")
              ? Paths.get(env.get("HF_TOKEN_PATH"))
              : hfHome.resolve("token");
      if (Files.isRegularFile(tokenFile)) {
        try {
          token = Files.readString(tokenFile, StandardCharsets.UTF_8).trim();
        } catch (IOException e) {
          throw new UncheckedIOException("cannot read the Hugging Face token file " + tokenFile, e);
        }
      }
    }
    String off = env.getOrDefault("HF_HUB_OFFLINE", "0").trim().toLowerCase(Locale.ROOT);
    boolean offline =
        off.equals("1") || off.equals("true") || off.equals("yes") || off.equals("on");
    return new HubSettings(
        env.getOrDefault("HF_ENDPOINT", "https://huggingface.co"), cache, token, offline);
  }

  /** The same settings offline or online. */
  public HubSettings withOffline(boolean off) {
    return new HubSettings(endpoint, cacheDir, token, off);
  }

  @Override
  public String toString() {
    return "HubSettings[endpoint="
        + endpoint
        + ", cacheDir="
        + cacheDir
        + ", token="
        + (token == null ? "none" : "***")
        + ", offline="
        + offline
        + "]";
  }
}
