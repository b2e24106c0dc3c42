package ai.fairl.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.fairl.engine.EngineInfo;
import ai.fairl.model.TransformerConfig;
import ai.fairl.model.TransformerModel;
import ai.fairl.recipe.TrainingRecipe;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The precision a run computes in on stock DJL's CPU: bf16/fp16 recipes fall back to fp32 with a
 * one-line notice, and a bf16 compute type is refused before a bf16 tensor could abort the JVM.
 * (bf16 training itself runs on fairl-native: {@code Bf16TrainingNativeTest}.)
 */
class MixedPrecisionTest {

  private static String computeType(Path out, String... keys) {
    TrainingRecipe r = TrainingRunTest.recipe("recipes/training/sft/tiny_sft.yaml", out, keys);
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    DataType t =
        Training.computeType(r, Device.cpu(), new PrintStream(buf, true, StandardCharsets.UTF_8));
    assertEquals(DataType.FLOAT32, t, "the CPU with stock DJL must compute in fp32");
    return buf.toString(StandardCharsets.UTF_8);
  }

  @Test
  void bf16AndFp16RecipesRunInFp32OnTheStockCpuWithOneNotice(@TempDir Path dir) {
    assertTrue(!EngineInfo.current().isFairlNative(), "this test is about stock DJL natives");
    String bf16 = computeType(dir, "training.bf16=true", "training.fp16=false");
    assertEquals(
        "notice: training.bf16: bf16 requested, running in fp32 on CPU: stock DJL natives cannot"
            + " run bf16 on CPU (build fairl-native with `fairl native build` for bf16 on CPU)\n",
        bf16);
    String fp16 = computeType(dir, "training.bf16=false", "training.fp16=true");
    assertTrue(fp16.startsWith("notice: training.fp16: fp16 requested, running in fp32"), fp16);
    assertEquals("", computeType(dir, "training.bf16=false", "training.fp16=false"));
  }

  @Test
  void aBf16ComputeTypeIsRefusedOnTheStockCpu() {
    try (NDManager root = NDManager.newBaseManager();
        TransformerModel m =
            TransformerModel.create(
                TransformerConfig.tiny("llama", 32, 32, 1), root, DataType.FLOAT32, 1)) {
      IllegalStateException e =
          assertThrows(IllegalStateException.class, () -> m.setComputeType(DataType.BFLOAT16));
      assertTrue(e.getMessage().contains("fairl-native"), e.getMessage());
      assertEquals(DataType.FLOAT32, m.computeType());
      assertThrows(IllegalArgumentException.class, () -> m.setComputeType(DataType.INT8));
    }
  }
}
