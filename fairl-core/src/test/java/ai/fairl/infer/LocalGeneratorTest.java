package ai.fairl.infer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** A tiny random model behind the TextGenerator contract. */
class LocalGeneratorTest {
  @Test
  void batchedGreedyGenerationMatchesOneRowAtATime() {
    List<Prompt> prompts =
        List.of(
            Prompt.of("What is 2 + 2?"),
            Prompt.of("Hi"),
            Prompt.of("A much longer prompt, padded left."));
    GenerationParams greedy = GenerationParams.greedy(12);
    try (LocalGenerator g = LocalGenerator.open("tiny:llama", 3, 7)) {
      List<Completion> batch = g.generate(prompts, greedy);
      assertEquals(3, batch.size());
      for (int i = 0; i < 3; i++) {
        Completion one = g.generate(List.of(prompts.get(i)), greedy).get(0);
        assertTrue(batch.get(i).succeeded(), batch.get(i).error());
        assertEquals(one.text(), batch.get(i).text(), "row " + i);
        assertTrue(batch.get(i).completionTokens() >= 1 && batch.get(i).completionTokens() <= 12);
        assertEquals(
            g.tokenizer().encode(prompts.get(i).user(), true).length, batch.get(i).promptTokens());
      }
    }
  }

  @Test
  void chatPromptsWithoutAChatTemplateFailTheRowWithAHint() {
    try (LocalGenerator g = LocalGenerator.open("tiny:llama", 2, 7)) {
      List<Completion> out =
          g.generate(
              List.of(Prompt.chat("sys", "hi"), Prompt.chat(null, "there")),
              GenerationParams.greedy(4));
      assertFalse(out.get(0).succeeded());
      assertTrue(out.get(0).error().contains("no chat template"), out.get(0).error());
    }
  }
}
