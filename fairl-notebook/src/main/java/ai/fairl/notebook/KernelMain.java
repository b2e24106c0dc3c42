package ai.fairl.notebook;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.dflib.jjava.jupyter.channels.JupyterConnection;
import org.dflib.jjava.jupyter.kernel.KernelConnectionProperties;

/**
 * Starts the {@code fairl-java} kernel: {@code KernelMain [--classpath CP]... CONNECTION_FILE}.
 * {@code FAIRL_CLASSPATH} joins the classpath too. The kernel exits when the process named by
 * {@code JPY_PARENT_PID} exits, so a client that dies never leaves an orphan behind.
 */
public final class KernelMain {
  private KernelMain() {}

  public static void main(String[] args) throws Exception {
    System.setProperty("java.awt.headless", "true");
    if (System.getenv("RUST_FLAVOR") == null && System.getProperty("RUST_FLAVOR") == null) {
      // DJL's HF tokenizers: the CPU build the jar ships, also on a GPU host
      System.setProperty("RUST_FLAVOR", "cpu");
    }
    // jjava-jupyter logs every socket loop start/stop at INFO; keep the kernel's stderr for
    // problems
    System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
    // DJL warns on every CPU-only start that it found no CUDA driver; in a notebook that is noise
    System.setProperty("org.slf4j.simpleLogger.log.ai.djl.util.cuda.CudaUtils", "error");
    if (args.length == 1 && args[0].equals("--check")) {
      // `fairl notebook install` starts the JVM with -Xshare:on and this: reaching main means the
      // class-data archive mapped
      return;
    }
    List<String> classpath = new ArrayList<>();
    String connectionFile = null;
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--classpath") && i + 1 < args.length) {
        classpath.add(args[++i]);
      } else if (args[i].startsWith("--classpath=")) {
        classpath.add(args[i].substring("--classpath=".length()));
      } else if (connectionFile == null && !args[i].startsWith("--")) {
        connectionFile = args[i];
      } else {
        usage("unknown argument: " + args[i]);
      }
    }
    if (connectionFile == null) {
      usage("missing the connection file");
    }
    String env = System.getenv("FAIRL_CLASSPATH");
    if (env != null && !env.isBlank()) {
      classpath.add(env);
    }
    Path conn = Path.of(connectionFile);
    if (!Files.isRegularFile(conn)) {
      usage("connection file not found: " + conn);
    }
    KernelConnectionProperties props = KernelConnectionProperties.parse(Files.readString(conn));
    JupyterConnection connection = new JupyterConnection(props);

    boolean timing = System.getenv("FAIRL_KERNEL_TIMING") != null;
    long jvmStart = java.lang.management.ManagementFactory.getRuntimeMXBean().getStartTime();
    FairlKernel kernel = FairlKernel.create();
    kernel.onStartup();
    kernel.addToClasspath(String.join(File.pathSeparator, classpath));
    long created = System.currentTimeMillis();
    kernel.warmUp();
    kernel.becomeHandlerForConnection(connection);
    connection.connect();
    if (timing) {
      System.err.printf(
          "fairl-kernel: JVM start -> kernel built %d ms, -> connected %d ms%n",
          created - jvmStart, System.currentTimeMillis() - jvmStart);
    }
    exitWithParent();
    connection.waitUntilClose();
    System.exit(0);
  }

  private static void exitWithParent() {
    String parent = System.getenv("JPY_PARENT_PID");
    if (parent == null || !parent.matches("\\d+")) {
      return;
    }
    ProcessHandle.of(Long.parseLong(parent))
        .ifPresent(p -> p.onExit().thenRun(() -> Runtime.getRuntime().halt(0)));
  }

  private static void usage(String problem) {
    System.err.println("fairl-kernel: " + problem);
    System.err.println("usage: fairl-kernel [--classpath CP]... CONNECTION_FILE");
    System.exit(2);
  }
}
