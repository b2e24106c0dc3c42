/*
 * The op suite, part three: TorchScript modules through DJL's Model API and PtSymbolBlock (load
 * with extra files, forward, named methods, parameters, save and reload through streams), graph
 * executor settings and the profiler. The fixture scripted.pt is written by
 * fairl-native/tools/make_torchscript_fixture.cc: weight = [1, 2], forward(x) = x * weight + 1,
 * twice(x) = 2x, extra file meta.txt = "fairl".
 */
package ai.fairl.engine;

import static ai.fairl.engine.OpSuite.exact;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Model;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValue;
import ai.djl.pytorch.jni.IValueUtils;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@Tag("engine")
class TorchScriptOpsTest {

  private static Path fixture(Path dir) throws Exception {
    Path pt = dir.resolve("scripted.pt");
    try (InputStream in = TorchScriptOpsTest.class.getResourceAsStream("scripted.pt")) {
      if (in == null) {
        throw new IllegalStateException(
            "test resource ai/fairl/engine/scripted.pt is missing: regenerate it with"
                + " fairl-native/tools/make_torchscript_fixture.cc");
      }
      Files.copy(in, pt);
    }
    return pt;
  }

  @Test
  void loadRunSaveAndReloadAModule(@TempDir Path dir) throws Exception {
    OpSuite.checkEngine();
    fixture(dir);
    try (Model model = Model.newInstance("scripted", OpSuite.device(), "PyTorch")) {
      model.load(dir, "scripted", Map.of("extraFiles", "meta.txt", "mapLocation", "true"));
      assertEquals("fairl", model.getProperty("meta.txt"));
      PtSymbolBlock block = (PtSymbolBlock) model.getBlock();
      NDManager m = model.getNDManager();
      NDList out =
          block.forward(
              new ParameterStore(m, false), new NDList(m.create(new float[] {3, 4})), false);
      exact(new float[] {4, 9}, out.head());
      assertTrue(Arrays.asList(JniUtils.getMethodNames(block)).contains("twice"));
      PtNDArray x = (PtNDArray) m.create(new float[] {1, 5});
      try (IValue in = IValue.from(x);
          IValue twice = IValueUtils.runMethod(block, "twice", in)) {
        exact(new float[] {2, 10}, twice.toTensor((PtNDManager) m));
      }
      NDList params = JniUtils.moduleGetParams(block, (PtNDManager) m);
      assertEquals("weight", params.get(0).getName());
      exact(new float[] {1, 2}, params.get(0));
      // save through DJL's stream format (version byte, size, bytes) and load it back
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      block.saveParameters(new DataOutputStream(bytes));
      PtSymbolBlock copy = new PtSymbolBlock((PtNDManager) m);
      copy.loadParameters(m, new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())));
      NDList again =
          copy.forward(
              new ParameterStore(m, false), new NDList(m.create(new float[] {0, 1})), true);
      exact(new float[] {1, 3}, again.head());
      JniUtils.enableTrainingMode(copy);
      JniUtils.enableInferenceMode(copy);
      JniUtils.setGraphExecutorOptimize(true);
    }
  }

  @Test
  void profilerWritesATrace(@TempDir Path dir) throws Exception {
    OpSuite.checkEngine();
    Path trace = dir.resolve("trace.json");
    try (NDManager m = OpSuite.manager()) {
      JniUtils.startProfile(false, true, true);
      m.ones(new Shape(8, 8)).matMul(m.ones(new Shape(8, 8))).sum().getFloat();
      JniUtils.stopProfile(trace.toString());
    }
    String text = Files.readString(trace);
    assertTrue(text.contains("\"name\""), "profile trace has no events: " + text);
  }

  @AfterAll
  static void writeExercisedNatives() throws Exception {
    OpSuite.writeExercised();
  }
}
