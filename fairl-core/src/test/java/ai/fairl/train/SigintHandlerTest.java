package ai.fairl.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import sun.misc.Signal;

class SigintHandlerTest {
  @Test
  void ctrlCTripsTheStopSignal() throws Exception {
    StopSignal stop = new StopSignal();
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    try (SigintHandler h =
        SigintHandler.install(stop, new PrintStream(buf, true, StandardCharsets.UTF_8))) {
      Signal.raise(new Signal("INT"));
      for (int i = 0; i < 100 && !stop.requested(); i++) {
        Thread.sleep(20); // the JVM runs signal handlers on their own thread
      }
      assertEquals("SIGINT", stop.reason());
      assertTrue(
          buf.toString(StandardCharsets.UTF_8).contains("stopping at the next step boundary"));
    }
  }
}
