package ai.fairl.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code fairl login} and {@code fairl doctor} as a user runs them. */
class LoginDoctorCommandTest {
  @TempDir Path home;

  private String[] run(Map<String, String> env, String stdin, String... args) {
    InputStream old = System.in;
    System.setIn(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    try {
      int code =
          Cli.run("fairl", args, new PrintWriter(out, true), new PrintWriter(err, true), env, home);
      return new String[] {String.valueOf(code), out.toString(), err.toString()};
    } finally {
      System.setIn(old);
    }
  }

  @Test
  void loginWandbWritesNetrcAndNeverEchoesTheKey() throws Exception {
    Map<String, String> env = Map.of("HOME", home.toString());
    String[] r = run(env, "wbkey_canary_42\n", "login", "wandb");
    assertEquals("0", r[0], r[2]);
    assertTrue(Files.readString(home.resolve(".netrc")).contains("password wbkey_canary_42"));
    assertFalse(r[1].contains("canary") || r[2].contains("canary"), r[1] + r[2]);
  }

  @Test
  void loginHuggingfaceWritesTheTokenFileUnderHfHome() throws Exception {
    Map<String, String> env = Map.of("HOME", home.toString(), "HF_HOME", home + "/hf");
    String[] r = run(env, "hf_canary_7\n", "login", "huggingface");
    assertEquals("0", r[0], r[2]);
    assertEquals("hf_canary_7", Files.readString(home.resolve("hf/token")));
    assertFalse(r[1].contains("canary"), r[1]);
  }

  @Test
  void loginUnknownServiceIsAUsageError() {
    String[] r = run(Map.of("HOME", home.toString()), "x\n", "login", "github");
    assertEquals("2", r[0]);
    assertTrue(
        r[2].contains("unknown service 'github'") && r[2].contains("fairl login wandb"), r[2]);
  }

  @Test
  void loginEmptyKeyIsAUsageError() {
    String[] r = run(Map.of("HOME", home.toString()), "\n", "login", "wandb");
    assertEquals("2", r[0]);
    assertTrue(r[2].contains("empty"), r[2]);
  }

  @Test
  void doctorShowsPresenceOfKeysButNotTheirValues() {
    Map<String, String> env =
        Map.of("HOME", home.toString(), "HF_TOKEN", "hf_canary_doc", "WANDB_API_KEY", "wb_canary");
    String[] r = run(env, "", "doctor");
    assertTrue(r[1].contains("hf token") && r[1].contains("present (HF_TOKEN)"), r[1]);
    assertTrue(r[1].contains("wandb key") && r[1].contains("present (WANDB_API_KEY)"), r[1]);
    assertTrue(r[1].contains("engine") && r[1].contains("PyTorch"), r[1]);
    assertFalse(r[1].contains("canary") || r[2].contains("canary"), r[1] + r[2]);
  }
}
