package ai.fairl.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.fairl.infer.ApiProvider;
import ai.fairl.infer.FakeProvider;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code fairl api-check} against the local provider servers, which check keys as the real ones.
 */
class ApiCheckCommandTest {
  @TempDir Path dir;

  @Test
  void withoutAnyKeyItNamesTheVariablesAndExits2() {
    CliRun r = CliRun.run("fairl", dir, Map.of("HOME", dir.toString()), "api-check");
    assertEquals(2, r.code, r.toString());
    for (String v :
        List.of("OPENAI_API_KEY", "GEMINI_API_KEY", "GOOGLE_API_KEY", "ANTHROPIC_API_KEY")) {
      assertTrue(r.err.contains(v), v + " in " + r);
    }
    assertTrue(r.out.isEmpty(), r.toString());
  }

  @Test
  void checksEveryProviderWhoseKeyIsSetAndNeverPrintsAKey() throws Exception {
    try (FakeProvider openai = FakeProvider.start(ApiProvider.OPENAI);
        FakeProvider gemini = FakeProvider.start(ApiProvider.GOOGLE);
        FakeProvider anthropic = FakeProvider.start(ApiProvider.ANTHROPIC);
        FakeProvider hosted = FakeProvider.start(ApiProvider.HOSTED)) {
      String wrong = "sk-ant-WRONG-4d2e";
      CliRun r =
          CliRun.run(
              "fairl",
              dir,
              Map.of(
                  "OPENAI_API_KEY", FakeProvider.KEY,
                  "GOOGLE_API_KEY", FakeProvider.KEY,
                  "ANTHROPIC_API_KEY", wrong,
                  "FAIRL_API_KEY", FakeProvider.KEY),
              "api-check",
              "--openai-endpoint=" + openai.endpoint("gpt-4o-mini"),
              "--gemini-endpoint=" + gemini.endpoint("gemini-2.5-flash"),
              "--anthropic-endpoint=" + anthropic.endpoint("claude-haiku-4-5"),
              "--hosted-endpoint=" + hosted.endpoint("scripted"),
              "--hosted-model=scripted");
      assertEquals(1, r.code, r.toString()); // anthropic's key is refused
      String[] lines = r.out.strip().split("\n");
      assertEquals(4, lines.length, r.toString());
      assertTrue(lines[0].matches("openai +gpt-4o-mini +127\\.0\\.0\\.1:\\d+ +OK .*"), lines[0]);
      assertTrue(lines[0].contains("\"echo: Reply with the word OK.\""), lines[0]);
      assertTrue(
          lines[1].matches("google +gemini-2\\.5-flash +127\\.0\\.0\\.1:\\d+ +OK .*"), r.out);
      assertTrue(
          lines[2].matches("anthropic +claude-haiku-4-5 +127\\.0\\.0\\.1:\\d+ +FAILED: .*"), r.out);
      assertTrue(lines[2].contains("HTTP 401") && lines[2].contains("invalid x-api-key"), lines[2]);
      assertTrue(lines[3].matches("hosted +scripted +127\\.0\\.0\\.1:\\d+ +OK .*"), r.out);
      for (String key : List.of(FakeProvider.KEY, wrong)) {
        assertFalse(r.out.contains(key) || r.err.contains(key), "key printed: " + r);
      }
    }
  }

  @Test
  void onlyProvidersWithAKeyAreCheckedAndAllOkExits0() throws Exception {
    try (FakeProvider gemini = FakeProvider.start(ApiProvider.GOOGLE)) {
      CliRun r =
          CliRun.run(
              "fairl",
              dir,
              Map.of("GEMINI_API_KEY", FakeProvider.KEY),
              "api-check",
              "--gemini-model=gemini-2.0-flash",
              "--gemini-endpoint=" + gemini.endpoint("gemini-2.0-flash"));
      assertEquals(0, r.code, r.toString());
      assertTrue(r.out.strip().matches("google +gemini-2\\.0-flash +\\S+ +OK \\(.*"), r.out);
    }
  }

  @Test
  void aHostedEndpointNeedsItsModel() {
    CliRun r =
        CliRun.run(
            "fairl",
            dir,
            Map.of("FAIRL_API_KEY", "k"),
            "api-check",
            "--hosted-endpoint=http://127.0.0.1:1/v1/chat/completions");
    assertEquals(2, r.code, r.toString());
    assertTrue(r.err.contains("--hosted-endpoint needs --hosted-model"), r.toString());
  }
}
