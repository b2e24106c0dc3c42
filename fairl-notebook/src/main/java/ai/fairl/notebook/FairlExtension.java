package ai.fairl.notebook;

import org.dflib.jjava.jupyter.Extension;
import org.dflib.jjava.jupyter.kernel.BaseKernel;
import org.dflib.jjava.jupyter.kernel.display.mime.MIMEType;
import org.dflib.jjava.jupyter.kernel.magic.MagicsRegistry;
import org.knowm.xchart.internal.chartpart.Chart;
import tech.tablesaw.api.Table;

/**
 * FAI-RL's magics and renderers as a JJava {@link Extension}, found through {@link
 * java.util.ServiceLoader} ({@code META-INF/services/org.dflib.jjava.jupyter.Extension}). Our
 * kernel loads it that way at start-up, and so does a stock JJava kernel once the jar is on its
 * classpath ({@code %classpath /path/to/fairl/lib/*} or {@code JJAVA_CLASSPATH}).
 *
 * <p>Renderers: XChart charts as {@code image/png} ({@code image/svg+xml} on request), Tablesaw
 * tables as {@code text/html}.
 */
public final class FairlExtension implements Extension {
  @Override
  public void install(BaseKernel kernel) {
    kernel
        .getRenderer()
        .createRegistration(Chart.class)
        .preferring(MIMEType.IMAGE_PNG)
        .supporting(MIMEType.IMAGE_SVG)
        .register(
            (chart, ctx) -> {
              ctx.getOutputContainer()
                  .putText(chart.getClass().getSimpleName() + " \"" + chart.getTitle() + "\"");
              ctx.renderIfRequested(MIMEType.IMAGE_PNG, () -> Charts.pngBase64(chart));
              ctx.renderIfRequested(MIMEType.IMAGE_SVG, () -> Charts.svg(chart));
            });
    kernel
        .getRenderer()
        .createRegistration(Table.class)
        .preferring(MIMEType.TEXT_HTML)
        .register(
            (table, ctx) ->
                ctx.renderIfRequested(MIMEType.TEXT_HTML, () -> TableHtml.render(table)));

    MagicsRegistry m = kernel.getMagicsRegistry();
    m.registerLineMagic("fairl_curve", Magics::curve);
    m.registerLineMagic("fairl_memory", Magics::memory);
    m.registerCellMagic("fairl_reward", Magics::reward);
    m.registerLineMagic("fairl_recipe", Magics::recipe);
    m.registerCellMagic("fairl_train", Magics::train);
    m.registerLineMagic("fairl_eval", Magics::eval);
    m.registerLineMagic("fairl_infer", Magics::infer);
  }
}
