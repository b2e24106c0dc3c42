package ai.fairl.notebook;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/**
 * Passes bytes on only in whole lines, so {@code printf("a=%d b=%s%n", 1, "x")} reaches the
 * notebook as one stream message instead of one per fragment. {@link #flush()} passes on a partial
 * line too; the kernel flushes at the end of every cell and before every display.
 */
final class LineBufferedStream extends OutputStream {
  private final OutputStream target;
  private final ByteArrayOutputStream pending = new ByteArrayOutputStream(256);

  LineBufferedStream(OutputStream target) {
    this.target = target;
  }

  @Override
  public synchronized void write(int b) throws IOException {
    pending.write(b);
    if (b == '\n') {
      drain(pending.size());
    }
  }

  @Override
  public synchronized void write(byte[] b, int off, int len) throws IOException {
    pending.write(b, off, len);
    int lastNewline = -1;
    for (int i = off + len - 1; i >= off; i--) {
      if (b[i] == '\n') {
        lastNewline = pending.size() - (off + len - i) + 1;
        break;
      }
    }
    if (lastNewline > 0) {
      drain(lastNewline);
    }
  }

  /** Passes on complete lines only (JShell flushes after every snippet). */
  @Override
  public synchronized void flush() throws IOException {
    byte[] all = pending.toByteArray();
    for (int i = all.length - 1; i >= 0; i--) {
      if (all[i] == '\n') {
        drain(i + 1);
        return;
      }
    }
  }

  /** Passes on everything, a partial last line included (end of cell, before a display). */
  synchronized void flushAll() throws IOException {
    if (pending.size() > 0) {
      drain(pending.size());
    }
  }

  private void drain(int upTo) throws IOException {
    byte[] all = pending.toByteArray();
    target.write(all, 0, upTo);
    target.flush();
    pending.reset();
    pending.write(all, upTo, all.length - upTo);
  }
}
