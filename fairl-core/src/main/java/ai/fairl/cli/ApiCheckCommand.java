package ai.fairl.cli;

import ai.fairl.infer.ApiCheck;
import ai.fairl.infer.ApiProvider;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code fairl api-check}: one tiny request per provider whose key is set; never prints a key. */
@Command(
    name = "api-check",
    mixinStandardHelpOptions = true,
    description = {
      "Smoke-test API keys: for each provider whose key is in the environment (OPENAI_API_KEY,"
          + " GEMINI_API_KEY or GOOGLE_API_KEY, ANTHROPIC_API_KEY; FAIRL_API_KEY for"
          + " --hosted-endpoint) send one tiny request and print provider, model, host and OK or"
          + " the provider's error. Keys are never printed.",
      "Exit status 0 when every check passed, 1 when one failed, 2 when no key was found."
    })
final class ApiCheckCommand implements Callable<Integer> {
  @Option(names = "--openai-model", description = "default: ${DEFAULT-VALUE}")
  String openaiModel = ApiCheck.DEFAULT_MODELS.get(ApiProvider.OPENAI);

  @Option(names = "--gemini-model", description = "default: ${DEFAULT-VALUE}")
  String geminiModel = ApiCheck.DEFAULT_MODELS.get(ApiProvider.GOOGLE);

  @Option(names = "--anthropic-model", description = "default: ${DEFAULT-VALUE}")
  String anthropicModel = ApiCheck.DEFAULT_MODELS.get(ApiProvider.ANTHROPIC);

  @Option(
      names = "--openai-endpoint",
      paramLabel = "URL",
      description = "default: https://api.openai.com/v1/chat/completions")
  String openaiEndpoint;

  @Option(
      names = "--gemini-endpoint",
      paramLabel = "URL",
      description =
          "default: https://generativelanguage.googleapis.com/v1beta/models/<model>:generateContent")
  String geminiEndpoint;

  @Option(
      names = "--anthropic-endpoint",
      paramLabel = "URL",
      description = "default: https://api.anthropic.com/v1/messages")
  String anthropicEndpoint;

  @Option(
      names = "--hosted-endpoint",
      paramLabel = "URL",
      description = "an OpenAI-compatible chat-completions URL, checked with FAIRL_API_KEY")
  String hostedEndpoint;

  @Option(names = "--hosted-model", description = "the model name --hosted-endpoint serves")
  String hostedModel;

  @Option(
      names = "--timeout",
      paramLabel = "SECONDS",
      description = "per request, default ${DEFAULT-VALUE}")
  int timeoutSeconds = 30;

  @Override
  public Integer call() {
    Session s = Cli.current();
    Map<ApiProvider, String> endpoints = new EnumMap<>(ApiProvider.class);
    putIfSet(endpoints, ApiProvider.OPENAI, openaiEndpoint);
    putIfSet(endpoints, ApiProvider.GOOGLE, geminiEndpoint);
    putIfSet(endpoints, ApiProvider.ANTHROPIC, anthropicEndpoint);
    Map<ApiProvider, String> models =
        Map.of(
            ApiProvider.OPENAI, openaiModel,
            ApiProvider.GOOGLE, geminiModel,
            ApiProvider.ANTHROPIC, anthropicModel);
    if (timeoutSeconds < 1) {
      throw new UsageException(
          "--timeout must be >= 1 second, got " + timeoutSeconds, "e.g. --timeout 30");
    }
    ApiCheck.Options o;
    try {
      o =
          new ApiCheck.Options(
              endpoints, models, hostedEndpoint, hostedModel, Duration.ofSeconds(timeoutSeconds));
    } catch (IllegalArgumentException e) {
      throw new UsageException(e.getMessage(), "fairl api-check --help");
    }
    List<ApiProvider> present = ApiCheck.present(o, s.env::get);
    if (present.isEmpty()) {
      s.err.println(
          s.tool
              + ": no API key found: looked for "
              + String.join(", ", ApiCheck.keyVariables())
              + " (and FAIRL_API_KEY with --hosted-endpoint)");
      s.err.println("  hint: export one of them, e.g. export OPENAI_API_KEY=...");
      return 2;
    }
    boolean allOk = true;
    for (ApiProvider p : present) {
      ApiCheck.Result r = ApiCheck.check(p, o, s.env::get);
      s.out.println(r.line());
      s.out.flush();
      allOk &= r.ok();
    }
    return allOk ? 0 : 1;
  }

  private static void putIfSet(Map<ApiProvider, String> m, ApiProvider p, String v) {
    if (v != null && !v.isBlank()) {
      m.put(p, v);
    }
  }
}
