package ai.fairl.train;

import java.io.PrintStream;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Ctrl-C for the CLI: the first SIGINT trips the {@link StopSignal} (the loop checkpoints at the
 * next step boundary and ends {@code stopped}); a second one falls through to the JVM's handler and
 * exits. The previous handler is restored on close. Uses {@code sun.misc.Signal} (jdk.unsupported),
 * the only SIGINT hook the JDK offers.
 */
final class SigintHandler implements AutoCloseable {
  private final SignalHandler previous;

  private SigintHandler(SignalHandler previous) {
    this.previous = previous;
  }

  static SigintHandler install(StopSignal stop, PrintStream console) {
    Signal sigint = new Signal("INT");
    SignalHandler[] prev = new SignalHandler[1];
    prev[0] =
        Signal.handle(
            sigint,
            sig -> {
              if (stop.requested()) {
                if (prev[0] != null
                    && prev[0] != SignalHandler.SIG_DFL
                    && prev[0] != SignalHandler.SIG_IGN) {
                  prev[0].handle(sig);
                } else {
                  Runtime.getRuntime().halt(130);
                }
                return;
              }
              console.println(
                  "\nCtrl-C: stopping at the next step boundary and writing a checkpoint (Ctrl-C"
                      + " again to quit now)");
              stop.request("SIGINT");
            });
    return new SigintHandler(prev[0]);
  }

  @Override
  public void close() {
    if (previous != null) {
      Signal.handle(new Signal("INT"), previous);
    }
  }
}
