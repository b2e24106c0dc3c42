package ai.fairl.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.fairl.recipe.Secrets;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A canary secret given every way a user can (recipe text, ${env:...}, overrides, headers) never
 * shows up in what the CLIs print or write: dry runs, --debug failures, the saved recipe.
 */
class SecretsCanaryTest {
  static final String CANARY = "sk-CANARY-7f3a9";

  @AfterEach
  void clear() {
    Engines.FORCED.clear();
  }

  static final String RECIPE =
      """
      model: {base_model_name: tiny:llama}
      data: {datasets: [{name: openai/gsm8k}]}
      training: {algorithm: grpo, output_dir: run}
      wandb: {enabled: true, api_key: "${env:CANARY_KEY}"}
      reward_api:
        endpoint: https://rewards.example/score
        api_key: %s
        headers: {Authorization: "Bearer %s", X-Api-Key: "%s", X-Team: ml, X-Sig: "${env:SIGNING_TOKEN}"}
      """
          .formatted(CANARY, CANARY, CANARY);

  void assertClean(CliRun r, Path dir) throws IOException {
    assertFalse(r.out.contains(CANARY), r.out);
    assertFalse(r.err.contains(CANARY), r.err);
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.filter(Files::isRegularFile).filter(p -> !p.endsWith("r.yaml")).toList()) {
        assertFalse(Files.readString(p).contains(CANARY), p.toString());
      }
    }
  }

  @Test
  void neverPrintedOrSaved(@TempDir Path tmp) throws IOException {
    Files.writeString(tmp.resolve("r.yaml"), RECIPE);
    Map<String, String> env = Map.of("CANARY_KEY", CANARY, "SIGNING_TOKEN", CANARY + "-sig");
    Engines.FORCED.put(TrainRunner.class, (TrainRunner) (r, o) -> {});
    List<List<String>> calls =
        List.of(
            List.of("--recipe", "r.yaml", "--dry-run"),
            List.of("--recipe", "r.yaml", "--dry-run", "reward_api.api_key=" + CANARY),
            List.of("--recipe", "r.yaml", "--debug", "training.learning_rate=-1"),
            List.of("--recipe", "r.yaml", "--debug", "reward_api.api_key=[" + CANARY),
            List.of("--recipe", "r.yaml", "--debug", "wandb.api_key=[1, 2]"),
            List.of("--recipe", "r.yaml", "--debug", "reward_api.api_key={a: " + CANARY + "}"),
            List.of("--recipe", "r.yaml"));
    for (List<String> call : calls) {
      CliRun r = CliRun.run("fai-rl-train", tmp, env, call.toArray(String[]::new));
      assertClean(r, tmp);
    }
    String saved = Files.readString(tmp.resolve("run/resolved_recipe.yaml"));
    assertTrue(saved.contains("\"X-Team\":\"ml\""), saved);
    assertTrue(saved.contains("\"Authorization\":\"***\""), saved);
  }

  @Test
  void namesThatLookSecret() {
    for (String s :
        List.of(
            "api_key",
            "apiKey".toLowerCase(),
            "X-Api-Key",
            "hf_token",
            "client_secret",
            "Authorization",
            "password")) {
      assertTrue(Secrets.looksSecret(s), s);
    }
    for (String s : List.of("max_new_tokens", "auth_header", "monkey", "top_k", "tokenizer")) {
      assertFalse(Secrets.looksSecret(s), s);
    }
  }

  @Test
  void nohupReRunsTheSameCommandDetached(@TempDir Path tmp) throws Exception {
    List<String> cmd =
        Runs.detachCommand("fai-rl-eval", new String[] {"--recipe", "x.yaml", "--nohup", "a=b"});
    assertEquals(
        List.of("fai-rl-eval", "--recipe", "x.yaml", "a=b"),
        cmd.subList(cmd.size() - 4, cmd.size()));
    assertEquals(Main.class.getName(), cmd.get(cmd.size() - 5));
    CliRun r =
        CliRun.run(
            "fai-rl-inference",
            tmp,
            "--nohup",
            "--recipe",
            CliRun.root().resolve("recipes/inference/tiny_local.yaml").toString(),
            "inference.max_new_tokens=1");
    assertEquals(0, r.code, r.toString());
    assertTrue(
        r.out.matches(
            "(?s)fai-rl-inference: running in the background \\(pid \\d+\\); log: .*Inference_\\d{8}_\\d{6}\\.log\\n"),
        r.out);
    long pid = Long.parseLong(r.out.replaceAll("(?s).*\\(pid (\\d+)\\).*", "$1"));
    ProcessHandle.of(pid)
        .ifPresent(
            h -> {
              try {
                h.onExit().get(60, java.util.concurrent.TimeUnit.SECONDS);
              } catch (Exception e) {
                h.destroy();
              }
            });
    try (Stream<Path> logs = Files.list(tmp.resolve("logs"))) {
      assertEquals(1, logs.count());
    }
  }
}
