package ai.fairl.cli;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Copies everything written to {@code System.out} and {@code System.err} while a run is in progress
 * into a log file (appending, so a resumed run keeps the earlier log), and restores the streams on
 * close.
 */
final class ConsoleLog implements AutoCloseable {
  private final PrintStream oldOut;
  private final PrintStream oldErr;
  private final OutputStream file;

  private ConsoleLog(PrintStream oldOut, PrintStream oldErr, OutputStream file) {
    this.oldOut = oldOut;
    this.oldErr = oldErr;
    this.file = file;
  }

  static ConsoleLog start(Path logFile) throws IOException {
    OutputStream file = new FileOutputStream(logFile.toFile(), true);
    ConsoleLog log = new ConsoleLog(System.out, System.err, file);
    System.setOut(new PrintStream(new Tee(log.oldOut, file), true, StandardCharsets.UTF_8));
    System.setErr(new PrintStream(new Tee(log.oldErr, file), true, StandardCharsets.UTF_8));
    return log;
  }

  @Override
  public void close() throws IOException {
    System.out.flush();
    System.err.flush();
    System.setOut(oldOut);
    System.setErr(oldErr);
    file.close();
  }

  private static final class Tee extends OutputStream {
    private final OutputStream a;
    private final OutputStream b;

    Tee(OutputStream a, OutputStream b) {
      this.a = a;
      this.b = b;
    }

    @Override
    public void write(int x) throws IOException {
      a.write(x);
      synchronized (b) {
        b.write(x);
      }
    }

    @Override
    public void write(byte[] buf, int off, int len) throws IOException {
      a.write(buf, off, len);
      synchronized (b) {
        b.write(buf, off, len);
      }
    }

    @Override
    public void flush() throws IOException {
      a.flush();
      synchronized (b) {
        b.flush();
      }
    }
  }
}
