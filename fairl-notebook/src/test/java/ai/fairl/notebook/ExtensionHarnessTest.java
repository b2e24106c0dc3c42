package ai.fairl.notebook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.dflib.jjava.jupyter.kernel.BaseKernel;
import org.dflib.jjava.jupyter.kernel.BaseKernelBuilder;
import org.dflib.jjava.jupyter.kernel.LanguageInfo;
import org.dflib.jjava.jupyter.kernel.ReplacementOptions;
import org.dflib.jjava.jupyter.kernel.display.DisplayData;
import org.dflib.jjava.jupyter.kernel.display.mime.MIMEType;
import org.dflib.jjava.jupyter.kernel.magic.MagicParser;
import org.junit.jupiter.api.Test;
import org.knowm.xchart.QuickChart;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.Table;

/**
 * The fairl-notebook jar as an extension of someone else's kernel: a bare kernel built on
 * jjava-jupyter 1.0-a6 (what stock JJava is) finds {@link FairlExtension} through {@link
 * java.util.ServiceLoader}, and then has our magics and renderers.
 */
class ExtensionHarnessTest {

  /** The smallest kernel on jjava-jupyter: no evaluator, just the SPI plumbing. */
  static final class HarnessKernel extends BaseKernel {
    HarnessKernel(Builder b) {
      super(
          "harness",
          "1",
          new LanguageInfo("java", "17", "text/x-java-source", ".java", "java", "java", null),
          List.of(),
          null,
          b.io(),
          b.comms(),
          b.renderer(),
          new MagicParser("(?<=(?:^|=))\\s*%", "%%", b.transpiler()),
          b.magics(),
          true,
          b.styler());
    }

    void loadExtensionsFrom(ClassLoader loader) {
      installExtensions(loader);
    }

    @Override
    public Object evalRaw(String source) {
      throw new UnsupportedOperationException("the harness evaluates nothing");
    }

    @Override
    public DisplayData inspect(String code, int at, boolean extraDetail) {
      return null;
    }

    @Override
    public ReplacementOptions complete(String code, int at) {
      return null;
    }

    @Override
    public String isComplete(String code) {
      return IS_COMPLETE_MAYBE;
    }

    static final class Builder extends BaseKernelBuilder<Builder, HarnessKernel> {
      org.dflib.jjava.jupyter.kernel.JupyterIO io() {
        return buildJupyterIO(buildJupyterIOEncoding());
      }

      org.dflib.jjava.jupyter.kernel.comm.CommManager comms() {
        return buildCommManager();
      }

      org.dflib.jjava.jupyter.kernel.display.Renderer renderer() {
        return buildRenderer();
      }

      org.dflib.jjava.jupyter.kernel.magic.MagicTranspiler transpiler() {
        return buildMagicTranspiler();
      }

      org.dflib.jjava.jupyter.kernel.magic.MagicsRegistry magics() {
        return buildMagicsRegistry();
      }

      org.dflib.jjava.jupyter.kernel.util.StringStyler styler() {
        return buildErrorStyler();
      }

      @Override
      public HarnessKernel build() {
        return new HarnessKernel(this);
      }
    }
  }

  @Test
  void serviceLoaderInstallsMagicsAndRenderersIntoAPlainJJavaKernel() throws Exception {
    HarnessKernel k = new HarnessKernel.Builder().build();
    assertTrue(k.getMagicsRegistry().getLineMagicNames().isEmpty());
    k.loadExtensionsFrom(ExtensionHarnessTest.class.getClassLoader());

    assertTrue(
        k.getMagicsRegistry()
            .getLineMagicNames()
            .containsAll(
                List.of(
                    "fairl_recipe", "fairl_curve", "fairl_eval", "fairl_infer", "fairl_memory")),
        k.getMagicsRegistry().getLineMagicNames().toString());
    assertTrue(
        k.getMagicsRegistry()
            .getCellMagicNames()
            .containsAll(List.of("fairl_train", "fairl_reward")),
        k.getMagicsRegistry().getCellMagicNames().toString());

    DisplayData table = k.getRenderer().render(Table.create("t", DoubleColumn.create("x", 1.5)));
    assertTrue(String.valueOf(table.getData(MIMEType.TEXT_HTML)).contains("<td>1.5</td>"));
    var chart = QuickChart.getChart("c", "x", "y", "s", new double[] {1, 2}, new double[] {3, 4});
    assertNotNull(k.getRenderer().render(chart).getData(MIMEType.IMAGE_PNG));
    assertTrue(
        String.valueOf(k.getRenderer().renderAs(chart, "image/svg+xml").getData(MIMEType.IMAGE_SVG))
            .contains("<svg"));

    Object memory = k.getMagicsRegistry().evalLineMagic(k, "fairl_memory", List.of());
    // heap used, committed, max; direct buffers; VmRSS; VmHWM; open tensors (no GPU rows on a CPU)
    assertEquals(7, ((Table) memory).rowCount());
  }
}
