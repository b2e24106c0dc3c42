package ai.fairl.infer;

import com.google.gson.JsonObject;
import java.util.Map;

/** A user-written hosted_llm_config: a gateway with its own header, request and response. */
public final class GatewayHook implements HostedLlmHook {
  public GatewayHook() {}

  @Override
  public JsonObject buildRequest(Prompt prompt, GenerationParams params, String model) {
    JsonObject b = new JsonObject();
    b.addProperty("input", prompt.user());
    b.addProperty("max_new_tokens", params.maxNewTokens());
    return b;
  }

  @Override
  public String parseResponse(JsonObject response) {
    return response.getAsJsonObject("output").get("text").getAsString();
  }

  @Override
  public Map<String, String> headers(String apiKey) {
    return Map.of("X-Gateway-Key", apiKey);
  }
}
