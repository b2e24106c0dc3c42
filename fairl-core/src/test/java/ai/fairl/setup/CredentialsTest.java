package ai.fairl.setup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@Tag("fast")
class CredentialsTest {
  @TempDir Path home;

  @Test
  void hfTokenFromEnvWinsOverFile() throws Exception {
    Credentials c = new Credentials(Map.of("HF_HOME", home.resolve("hf").toString()), home);
    Path file = c.saveHuggingFaceToken("hf_fromfile");
    assertEquals(home.resolve("hf/token"), file);
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    assertEquals("hf_fromfile", c.huggingFaceToken().orElseThrow().value());
    Credentials withEnv =
        new Credentials(
            Map.of("HF_HOME", home.resolve("hf").toString(), "HF_TOKEN", "hf_env"), home);
    assertEquals("HF_TOKEN", withEnv.huggingFaceToken().orElseThrow().source());
    assertEquals("hf_env", withEnv.huggingFaceToken().orElseThrow().value());
  }

  @Test
  void hfHomeDefaultsLikeHuggingfaceHub() {
    assertEquals(
        home.resolve(".cache/huggingface/token"), new Credentials(Map.of(), home).hfTokenFile());
    assertEquals(
        Path.of("/x/huggingface/token"),
        new Credentials(Map.of("XDG_CACHE_HOME", "/x"), home).hfTokenFile());
  }

  @Test
  void wandbNetrcIsWrittenReplacedAndOtherMachinesKept() throws Exception {
    Files.writeString(
        home.resolve(".netrc"),
        "machine github.com\n  login me\n  password ghp_keep\nmachine api.wandb.ai login user"
            + " password old\n");
    Credentials c = new Credentials(Map.of(), home);
    assertEquals("old", c.wandbKey(null).orElseThrow().value());
    c.saveWandbKey("0123456789abcdef");
    String text = Files.readString(home.resolve(".netrc"));
    assertTrue(text.contains("ghp_keep"), text);
    assertFalse(text.contains("old"), text);
    assertEquals("0123456789abcdef", c.wandbKey(null).orElseThrow().value());
    assertEquals("ghp_keep", Credentials.readNetrc(home.resolve(".netrc"), "github.com").get());
  }

  @Test
  void wandbKeyOrderRecipeThenEnvThenNetrc() throws Exception {
    Credentials c = new Credentials(Map.of("WANDB_API_KEY", "envkey"), home);
    c.saveWandbKey("netrckey");
    assertEquals("recipekey", c.wandbKey("recipekey").orElseThrow().value());
    assertEquals("envkey", c.wandbKey(null).orElseThrow().value());
    assertEquals("netrckey", new Credentials(Map.of(), home).wandbKey("").orElseThrow().value());
  }

  @Test
  void customWandbHostFromBaseUrl() {
    assertEquals(
        "wandb.acme.com",
        new Credentials(Map.of("WANDB_BASE_URL", "https://wandb.acme.com:8443/x"), home)
            .wandbHost());
  }

  @Test
  void placeholdersAndEmptyKeysAreRefusedWithoutEchoingThem() {
    Credentials c = new Credentials(Map.of(), home);
    var e = assertThrows(IllegalArgumentException.class, () -> c.saveWandbKey("<YOUR_API_KEY>"));
    assertTrue(e.getMessage().contains("placeholder"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> c.saveHuggingFaceToken("  "));
  }

  @Test
  void foundNeverPrintsTheKey() {
    var f = new Credentials.Found("sekrit-123", "HF_TOKEN");
    assertFalse(f.toString().contains("sekrit"));
  }

  @Test
  void doctorReportsPresenceNeverValues() throws Exception {
    Credentials c =
        new Credentials(Map.of("HF_TOKEN", "hf_canary_9f8e7d", "WANDB_API_KEY", "wb_canary"), home);
    List<Doctor.Check> checks = new Doctor(c, Map.of(), () -> "test engine").run();
    String all = checks.toString();
    assertFalse(all.contains("canary"), all);
    assertTrue(all.contains("hf token") && all.contains("present (HF_TOKEN)"), all);
    assertTrue(all.contains("test engine"), all);
    assertTrue(checks.get(0).ok(), "java check");
  }
}
