package ai.fairl.notebook;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.VectorGraphicsEncoder;
import org.knowm.xchart.internal.chartpart.Chart;

/**
 * XChart encodings for notebooks: PNG by default (about 30 KB for 600x300), SVG on request ({@code
 * display(chart, "image/svg+xml")}, about 8x larger). Headless AWT needs a real font (Debian:
 * {@code fonts-dejavu-core}); without one XChart fails with "Fontconfig head is null".
 */
public final class Charts {
  private Charts() {}

  /** PNG bytes of a chart. */
  public static byte[] png(Chart<?, ?> chart) {
    try {
      return BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot encode chart as PNG: " + e.getMessage(), e);
    }
  }

  static String pngBase64(Chart<?, ?> chart) {
    return Base64.getEncoder().encodeToString(png(chart));
  }

  /** SVG markup of a chart. */
  public static String svg(Chart<?, ?> chart) {
    try {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      VectorGraphicsEncoder.saveVectorGraphic(
          chart, out, VectorGraphicsEncoder.VectorGraphicsFormat.SVG);
      return out.toString(StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot encode chart as SVG: " + e.getMessage(), e);
    }
  }
}
