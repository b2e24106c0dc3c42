package ai.fairl.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenizerTest {
  @TempDir Path tmp;

  static Path fixture(String name) {
    Path p =
        Paths.get(System.getProperty("fairl.root", ".."))
            .resolve("build/fixtures/tokenizers/" + name);
    assertTrue(
        Files.isRegularFile(p.resolve("tokenizer.json")),
        "missing " + p + ": run scripts/fetch-fixtures.sh");
    return p;
  }

  @Test
  void llama2SpecialTokensComeFromTokenizerConfig() {
    try (Tokenizer t = Tokenizer.load(fixture("llama2"))) {
      assertEquals(1L, t.bosTokenId());
      assertEquals(List.of(2L), t.eosTokenIds());
      assertEquals(-1L, t.padTokenId());
      assertEquals("<s>", t.bosToken());
      long[] withBos = t.encode("Hello world", true);
      long[] plain = t.encode("Hello world", false);
      assertEquals(1L, withBos[0]);
      assertEquals(plain.length + 1, withBos.length);
      assertEquals("Hello world", t.decode(withBos, true));
      assertEquals(null, t.chatTemplate());
      assertThrows(
          IllegalStateException.class,
          () -> t.applyChatTemplate(List.of(Tokenizer.message("user", "x")), true));
    }
  }

  @Test
  void longInputsAreNotTruncated() {
    try (Tokenizer t = Tokenizer.load(fixture("qwen3"))) {
      String text = "The quick brown fox jumps over the lazy dog. ".repeat(300);
      long[] ids = t.encode(text, false);
      assertTrue(ids.length > 2000, "only " + ids.length + " tokens");
      assertEquals(text, t.decode(ids, false));
    }
  }

  @Test
  void savedTokenizersLoadBackIdentically() {
    try (Tokenizer t = Tokenizer.load(fixture("qwen3"))) {
      t.save(tmp.resolve("tok"));
      try (Tokenizer back = Tokenizer.load(tmp.resolve("tok"))) {
        String s = "Hello <|im_start|>user\nwörld 🙂<|im_end|>";
        assertEquals(List.of(toList(t.encode(s, false))), List.of(toList(back.encode(s, false))));
        assertEquals(t.chatTemplate().source(), back.chatTemplate().source());
      }
    }
  }

  @Test
  void aDirectoryWithoutTokenizerJsonIsExplained() {
    String msg =
        assertThrows(IllegalArgumentException.class, () -> Tokenizer.load(tmp)).getMessage();
    assertTrue(msg.contains("tokenizer.json") && msg.contains("save_pretrained"), msg);
  }

  private static List<Long> toList(long[] a) {
    return java.util.Arrays.stream(a).boxed().toList();
  }
}
