package ai.fairl.model;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The transformers parity fixtures on a CUDA device (fp32 within 1e-3, bf16 within 0.15): run on a
 * GPU host with {@code -Dgroups=gpu}. Fails (does not skip) when no GPU is visible.
 */
@Tag("gpu")
class GpuParityTest {
  @ParameterizedTest
  @ValueSource(
      strings = {"llama3_gqa_tied", "qwen3_headdim_untied", "mistral_sliding", "qwen2_seqcls"})
  void logitsMatchOnTheGpu(String name) throws Exception {
    assertTrue(
        Engine.getInstance().getGpuCount() > 0,
        "no GPU visible to DJL: run this group on a GPU host");
    Path dir = GoldenParityTest.golden(name);
    for (DataType dt : new DataType[] {DataType.FLOAT32, DataType.BFLOAT16}) {
      try (NDManager m = NDManager.newBaseManager(Device.gpu());
          TransformerModel model = TransformerModel.load(dir, m, dt)) {
        Map<String, NDArray> g = Safetensors.load(dir.resolve("golden.safetensors"), m);
        float[] want = g.get("logits").toFloatArray();
        float[] got =
            model
                .forward(g.get("input_ids"), g.get("attention_mask"), null, null, false)
                .logits()
                .toFloatArray();
        long[] mask = g.get("attention_mask").toLongArray();
        int per =
            model.config().isSequenceClassification() ? want.length : want.length / mask.length;
        double max = 0;
        for (int i = 0; i < want.length; i++) {
          if (model.config().isSequenceClassification() || mask[i / per] == 1) {
            max = Math.max(max, Math.abs(want[i] - got[i]));
          }
        }
        double tol = dt == DataType.FLOAT32 ? 1e-3 : 0.15;
        assertTrue(max <= tol, name + " " + dt + ": max |logit diff| = " + max);
      }
    }
  }
}
