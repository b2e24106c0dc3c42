package ai.fairl.recipe;

import java.util.List;

/** Checks shared by inference and evaluation sections. */
final class Sources {
  private Sources() {}

  static void checkModelChoice(
      String section, List<String> modelPaths, String model, String apiKey, String apiEndpoint) {
    boolean paths = modelPaths != null && !modelPaths.isEmpty();
    Check.require(
        paths || model != null,
        section + ".model_paths",
        section
            + " needs a model: set "
            + section
            + ".model_paths (local checkpoints) or "
            + section
            + ".model (a Hub id, tiny:<family>, or an API model with api_key)",
        "e.g. " + section + ".model_paths: [models/my-run/checkpoint-100]");
    if (apiKey != null) {
      Check.require(
          !apiKey.contains("<YOUR_API_KEY>"),
          section + ".api_key",
          section + ".api_key is still the placeholder <YOUR_API_KEY>",
          "set " + section + ".api_key: ${env:YOUR_PROVIDER_API_KEY}");
      Check.require(
          model != null,
          section + ".model",
          section + ".api_key is set but " + section + ".model (the API model name) is not",
          "set " + section + ".model, e.g. gpt-4o-mini");
      Check.require(
          apiEndpoint != null,
          section + ".api_endpoint",
          section + ".api_key is set but " + section + ".api_endpoint is not",
          "set " + section + ".api_endpoint, e.g. https://api.openai.com/v1/chat/completions");
    }
    if (apiEndpoint != null) {
      Check.require(
          !apiEndpoint.contains("<YOUR_API_ENDPOINT>"),
          section + ".api_endpoint",
          section + ".api_endpoint is still the placeholder <YOUR_API_ENDPOINT>",
          "set " + section + ".api_endpoint to the provider's URL");
    }
  }
}
