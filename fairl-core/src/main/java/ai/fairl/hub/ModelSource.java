package ai.fairl.hub;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * Turns a model reference into a local directory: an existing directory as is, otherwise a Hub id
 * ({@code org/name}, optionally {@code org/name@revision}) downloaded into the Hub cache (config,
 * safetensors weights, tokenizer and generation files; never pickles). {@code tiny:*} sources are
 * created in code by {@code ai.fairl.model.Models}, not here.
 */
public final class ModelSource {
  private ModelSource() {}

  /** Files a model snapshot needs. */
  public static boolean wanted(String file) {
    String f = file.contains("/") ? file.substring(file.lastIndexOf('/') + 1) : file;
    return file.indexOf('/') < 0
        && (f.endsWith(".safetensors")
            || f.equals("model.safetensors.index.json")
            || f.equals("config.json")
            || f.equals("generation_config.json")
            || f.startsWith("tokenizer")
            || f.equals("special_tokens_map.json")
            || f.equals("chat_template.jinja")
            || f.equals("chat_template.json")
            || f.equals("adapter_config.json"));
  }

  /** Resolves {@code ref} with a client from the environment. */
  public static Path resolve(String ref) {
    return resolve(ref, HubClient.fromEnvironment());
  }

  /** Resolves {@code ref} (a directory or a Hub id) with the given client. */
  public static Path resolve(String ref, HubClient hub) {
    Path p = Paths.get(ref);
    if (Files.isDirectory(p)) {
      return p;
    }
    if (ref.startsWith("/") || ref.startsWith(".") || ref.startsWith("~")) {
      throw new IllegalArgumentException("model directory " + ref + " does not exist");
    }
    String id = ref;
    String rev = null;
    int at = ref.indexOf('@');
    if (at > 0) {
      id = ref.substring(0, at);
      rev = ref.substring(at + 1);
    }
    return hub.snapshot(id, RepoType.MODEL, rev, ModelSource::wanted);
  }
}
