package ai.fairl.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Starts and supervises the worker processes of a data-parallel job on this node (what torchrun's
 * agent does): one process per GPU, each with torchrun's variables. Rank 0's output goes to this
 * process's stdout and stderr unchanged; other ranks' lines are prefixed {@code [rank N]}.
 *
 * <p>When a worker exits with a non-zero code the others are stopped (SIGTERM, then SIGKILL after a
 * grace period) and {@link Failure} names the rank and its code. When a worker exits cleanly, the
 * others must finish within {@code exitGrace} (rank 0 still writes the final model): a worker that
 * hangs past it is stopped and reported.
 *
 * <p>Simplified: no restarts (torchrun's {@code --max-restarts}); resuming is a new launch with
 * {@code training.resume_from_checkpoint=latest}.
 */
final class Workers {
  private Workers() {}

  /** A worker that failed, with the rank, its exit code and what happened to the others. */
  static final class Failure extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final int rank;
    final int exitCode;
    final String hint;

    Failure(String message, int rank, int exitCode) {
      this(message, rank, exitCode, null);
    }

    Failure(String message, int rank, int exitCode, String hint) {
      super(message);
      this.rank = rank;
      this.exitCode = exitCode;
      this.hint = hint;
    }
  }

  /** A free TCP port on the loopback interface, for MASTER_PORT on a single node. */
  static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      s.setReuseAddress(true);
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot find a free port for MASTER_PORT: " + e, e);
    }
  }

  /**
   * Runs the workers (rank order = list order, first rank {@code firstRank}) to completion. Returns
   * normally when every worker exited with 0; throws {@link Failure} otherwise, after stopping the
   * rest.
   */
  static void run(
      List<ProcessBuilder> workers,
      int firstRank,
      PrintWriter out,
      PrintWriter err,
      Duration exitGrace,
      Duration killGrace) {
    List<Process> procs = new ArrayList<>();
    List<Thread> pumps = new ArrayList<>();
    Thread cleanup = new Thread(() -> stopAll(procs, killGrace), "fairl-workers-cleanup");
    Runtime.getRuntime().addShutdownHook(cleanup);
    SignalHandler previous = holdFirstSigint(err);
    try {
      for (int i = 0; i < workers.size(); i++) {
        int rank = firstRank + i;
        ProcessBuilder pb = workers.get(i);
        pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        Process p;
        try {
          p = pb.start();
        } catch (IOException e) {
          throw new Failure("cannot start worker rank " + rank + ": " + e.getMessage(), rank, -1);
        }
        procs.add(p);
        String prefix = rank == 0 ? "" : "[rank " + rank + "] ";
        pumps.add(pump(p.getInputStream(), out, prefix, "stdout of rank " + rank));
        pumps.add(pump(p.getErrorStream(), err, prefix, "stderr of rank " + rank));
      }
      supervise(procs, firstRank, exitGrace, killGrace);
    } catch (RuntimeException e) {
      stopAll(procs, killGrace);
      throw e;
    } finally {
      for (Thread t : pumps) {
        try {
          t.join(5000);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      out.flush();
      err.flush();
      try {
        Runtime.getRuntime().removeShutdownHook(cleanup);
      } catch (IllegalStateException shuttingDown) {
        // the JVM is exiting; the hook runs anyway
      }
      if (previous != null) {
        Signal.handle(new Signal("INT"), previous);
      }
    }
  }

  /**
   * Ctrl-C reaches the workers too (same terminal process group); each stops at the next step
   * boundary and rank 0 checkpoints. So the launcher outlives the first Ctrl-C to keep supervising
   * them; a second one exits, and the shutdown hook stops the workers.
   */
  private static SignalHandler holdFirstSigint(PrintWriter err) {
    boolean[] seen = new boolean[1];
    try {
      return Signal.handle(
          new Signal("INT"),
          sig -> {
            if (seen[0]) {
              Runtime.getRuntime().exit(130);
            }
            seen[0] = true;
            synchronized (err) {
              err.println(
                  "Ctrl-C: the workers stop at the next step boundary and checkpoint (Ctrl-C again"
                      + " to stop them now)");
              err.flush();
            }
          });
    } catch (IllegalArgumentException noSigint) {
      return null; // the JVM runs with -Xrs or without a SIGINT handler: nothing to hold
    }
  }

  private static void supervise(
      List<Process> procs, int firstRank, Duration exitGrace, Duration killGrace) {
    int n = procs.size();
    boolean[] done = new boolean[n];
    int finished = 0;
    long firstCleanExit = -1;
    int firstCleanRank = -1;
    while (finished < n) {
      for (int i = 0; i < n; i++) {
        Process p = procs.get(i);
        if (done[i] || p.isAlive()) {
          continue;
        }
        done[i] = true;
        finished++;
        int code = p.exitValue();
        int rank = firstRank + i;
        if (code != 0) {
          int others = stopAll(procs, killGrace);
          throw new Failure(
              "worker rank "
                  + rank
                  + " of "
                  + n
                  + " exited with code "
                  + code
                  + describe(code)
                  + (others > 0
                      ? "; stopped the other " + others + " worker(s)"
                      : "; no other worker was running"),
              rank,
              code);
        }
        if (firstCleanExit < 0) {
          firstCleanExit = System.nanoTime();
          firstCleanRank = rank;
        }
      }
      if (finished < n
          && firstCleanExit >= 0
          && System.nanoTime() - firstCleanExit > exitGrace.toNanos()) {
        List<Integer> hung = new ArrayList<>();
        for (int i = 0; i < n; i++) {
          if (!done[i]) {
            hung.add(firstRank + i);
          }
        }
        stopAll(procs, killGrace);
        throw new Failure(
            "worker rank(s) "
                + hung
                + " still running "
                + exitGrace.toSeconds()
                + " s after rank "
                + firstCleanRank
                + " finished; stopped them (a hung collective?)",
            hung.get(0),
            -1);
      }
      if (finished < n) {
        try {
          procs.get(firstNotDone(done)).waitFor(100, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          stopAll(procs, killGrace);
          throw new Failure("interrupted while supervising the workers; stopped them", -1, -1);
        }
      }
    }
  }

  private static int firstNotDone(boolean[] done) {
    for (int i = 0; i < done.length; i++) {
      if (!done[i]) {
        return i;
      }
    }
    return 0;
  }

  /** SIGTERM to every live worker, SIGKILL to those alive after {@code grace}; returns how many. */
  private static int stopAll(List<Process> procs, Duration grace) {
    int stopped = 0;
    for (Process p : procs) {
      if (p.isAlive()) {
        p.destroy();
        stopped++;
      }
    }
    long deadline = System.nanoTime() + grace.toNanos();
    for (Process p : procs) {
      try {
        long left = deadline - System.nanoTime();
        if (left <= 0 || !p.waitFor(left, TimeUnit.NANOSECONDS)) {
          p.destroyForcibly();
        }
      } catch (InterruptedException e) {
        p.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
    return stopped;
  }

  private static String describe(int code) {
    if (code > 128 && code < 160) {
      int sig = code - 128;
      String name =
          switch (sig) {
            case 9 -> "SIGKILL, e.g. the kernel's out-of-memory killer";
            case 15 -> "SIGTERM";
            case 6 -> "SIGABRT, a native crash";
            case 11 -> "SIGSEGV, a native crash";
            case 2 -> "SIGINT";
            default -> "signal " + sig;
          };
      return " (" + name + ")";
    }
    return "";
  }

  private static Thread pump(InputStream in, PrintWriter to, String prefix, String name) {
    Thread t =
        new Thread(
            () -> {
              try (BufferedReader r =
                  new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                  synchronized (to) {
                    to.println(prefix + line);
                    to.flush();
                  }
                }
              } catch (IOException e) {
                // the worker was killed; its stream closed
              }
            },
            "fairl-pump-" + name);
    t.setDaemon(true);
    t.start();
    return t;
  }
}
