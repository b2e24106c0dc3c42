package ai.fairl.train;

import java.util.concurrent.atomic.AtomicReference;

/**
 * A request to stop a run at the next step boundary. SIGINT (Ctrl-C) in the CLIs and the Jupyter
 * kernel's interrupt both trip the same signal; the loop checks it between steps, writes a
 * checkpoint and ends with reason {@code stopped}.
 */
public final class StopSignal {
  private final AtomicReference<String> reason = new AtomicReference<>();

  /** Asks the run to stop; the first reason given wins. */
  public void request(String why) {
    reason.compareAndSet(null, why == null ? "stop requested" : why);
  }

  public boolean requested() {
    return reason.get() != null;
  }

  /** The reason given to {@link #request}, or null while no stop was requested. */
  public String reason() {
    return reason.get();
  }

  /** Clears the signal so that the same kernel can start a new run. */
  public void reset() {
    reason.set(null);
  }
}
