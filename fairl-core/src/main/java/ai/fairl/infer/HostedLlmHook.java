package ai.fairl.infer;

import com.google.gson.JsonObject;
import java.util.Map;

/**
 * Shapes requests to a hosted endpoint, FAI-RL's {@code hosted_llm_config} module in Java. Name the
 * implementing class in the recipe ({@code hosted_llm_config: com.acme.MyGateway}); it needs a
 * public no-argument constructor and joins the classpath through {@code --classpath}. Every method
 * may return null to keep the built-in behaviour (OpenAI-compatible chat completions with a {@code
 * Authorization: Bearer} header). As in FAI-RL, the URL hook applies to every provider but Google,
 * the others to hosted endpoints only.
 */
public interface HostedLlmHook {
  /** The request body, or null for OpenAI-compatible chat completions. */
  default JsonObject buildRequest(Prompt prompt, GenerationParams params, String model) {
    return null;
  }

  /** The text of a successful response, or null for {@code choices[0].message.content}. */
  default String parseResponse(JsonObject response) {
    return null;
  }

  /** The request headers besides Content-Type, or null for {@code Authorization: Bearer <key>}. */
  default Map<String, String> headers(String apiKey) {
    return null;
  }

  /** The URL to post to, or null to post to the endpoint as given. */
  default String url(String endpoint, String apiKey) {
    return null;
  }

  /** Loads a hook by class name (FAI-RL's {@code hosted_llm_config}). */
  static HostedLlmHook load(String className, ClassLoader loader) {
    try {
      Class<?> c = Class.forName(className.strip(), true, loader);
      if (!HostedLlmHook.class.isAssignableFrom(c)) {
        throw new IllegalArgumentException(
            "hosted_llm_config: "
                + className
                + " does not implement ai.fairl.infer.HostedLlmHook; implement it");
      }
      return (HostedLlmHook) c.getDeclaredConstructor().newInstance();
    } catch (ClassNotFoundException e) {
      throw new IllegalArgumentException(
          "hosted_llm_config: class "
              + className
              + " not found; add its jar with --classpath or FAIRL_CLASSPATH",
          e);
    } catch (ReflectiveOperationException e) {
      throw new IllegalArgumentException(
          "hosted_llm_config: cannot create "
              + className
              + " (it needs a public no-argument constructor): "
              + e,
          e);
    }
  }
}
