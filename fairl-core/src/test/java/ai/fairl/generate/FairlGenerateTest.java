package ai.fairl.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.fairl.Fairl;
import java.util.List;
import org.junit.jupiter.api.Test;

class FairlGenerateTest {
  @Test
  void facadeGeneratesFromATinySourceReproducibly() {
    GenerationConfig cfg =
        GenerationConfig.sampling(8, 1.0, 0, 1.0, 4).withStopTokens(List.of(-1L));
    GenerationResult a = Fairl.generate("tiny:llama", List.of("Hi", "2+2="), cfg);
    GenerationResult b = Fairl.generate("tiny:llama", List.of("Hi", "2+2="), cfg);
    assertEquals(2, a.texts().size());
    assertEquals(8, a.tokens().get(1).length);
    assertEquals(a.texts(), b.texts());
  }
}
