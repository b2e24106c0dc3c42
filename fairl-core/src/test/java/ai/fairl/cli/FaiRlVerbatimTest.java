package ai.fairl.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * FAI-RL's own recipes, verbatim from its repository (reference §3.3-3.5: GRPO LoRA, its GSPO
 * variant, the SFT data section, inference, MMLU evaluation), pass --dry-run unchanged.
 */
class FaiRlVerbatimTest {

  @ParameterizedTest(name = "{1}")
  @CsvSource({
    "fai-rl-train, grpo_llama3_3B_lora.yaml",
    "fai-rl-train, gspo_llama3_3B_lora.yaml",
    "fai-rl-train, sft_llama3_3B_lora_composed.yaml",
    "fai-rl-inference, inference_llama3_3B.yaml",
    "fai-rl-eval, evaluation_mmlu_llama3_3B.yaml"
  })
  void dryRunSucceeds(String tool, String file, @TempDir Path tmp) {
    Path recipe =
        CliRun.root().resolve("fairl-core/src/test/resources/fairl-verbatim").resolve(file);
    CliRun r = CliRun.run(tool, tmp, "--recipe", recipe.toString(), "--dry-run");
    assertEquals(0, r.code, r.toString());
    assertTrue(r.out.contains("# dry run: the recipe is valid"), r.out);
  }
}
