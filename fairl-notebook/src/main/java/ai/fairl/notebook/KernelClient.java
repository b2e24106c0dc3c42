package ai.fairl.notebook;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

/**
 * A minimal Jupyter client (messaging protocol 5.3 over ZeroMQ, HMAC-SHA256 signed): starts a
 * kernel process, sends {@code kernel_info}, {@code execute}, {@code interrupt} and {@code
 * shutdown} requests and collects each request's IOPub messages. It is what the headless runner
 * uses, so running notebooks needs no Python; tests use it to count {@code update_display_data}
 * messages and to interrupt a running cell.
 *
 * <p>Simplified: no stdin channel (cells that read input get an error from the kernel), no
 * heartbeat (a dead kernel is noticed through its process).
 */
public final class KernelClient implements AutoCloseable {
  private static final byte[] DELIM = "<IDS|MSG>".getBytes(StandardCharsets.UTF_8);
  private static final Gson GSON =
      new GsonBuilder().disableHtmlEscaping().serializeNulls().create();

  private final Process process;
  private final Path connectionFile;
  private final Path logFile;
  private final ZContext zmq = new ZContext();
  private final ZMQ.Socket shell;
  private final ZMQ.Socket control;
  private final ZMQ.Socket iopub;
  private final Mac mac;
  private final String session = UUID.randomUUID().toString();

  /** One request's result: the reply content and the IOPub messages it caused, in order. */
  public record Reply(JsonObject content, List<JsonObject> iopub) {
    public String status() {
      return content.has("status") ? content.get("status").getAsString() : "";
    }

    /** IOPub messages of one type (e.g. {@code update_display_data}). */
    public List<JsonObject> messages(String msgType) {
      return iopub.stream().filter(m -> msgType.equals(type(m))).toList();
    }
  }

  private KernelClient(Process process, Path connectionFile, Path logFile, Map<String, Object> conn)
      throws NoSuchAlgorithmException, InvalidKeyException {
    this.process = process;
    this.connectionFile = connectionFile;
    this.logFile = logFile;
    String key = (String) conn.get("key");
    this.mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
    String ip = "tcp://" + conn.get("ip") + ":";
    shell = zmq.createSocket(SocketType.DEALER);
    shell.setIdentity(("shell-" + session).getBytes(StandardCharsets.UTF_8));
    shell.connect(ip + ((Number) conn.get("shell_port")).intValue());
    control = zmq.createSocket(SocketType.DEALER);
    control.setIdentity(("control-" + session).getBytes(StandardCharsets.UTF_8));
    control.connect(ip + ((Number) conn.get("control_port")).intValue());
    iopub = zmq.createSocket(SocketType.SUB);
    iopub.subscribe(new byte[0]);
    iopub.connect(ip + ((Number) conn.get("iopub_port")).intValue());
  }

  /**
   * Starts a kernel. {@code argv} is a kernelspec argv; {@code {connection_file}} in it is replaced
   * by a fresh connection file. Waits until the kernel answers {@code kernel_info} and its IOPub
   * messages arrive.
   */
  public static KernelClient start(
      List<String> argv, Path cwd, Map<String, String> env, Duration startTimeout)
      throws IOException {
    Path dir = Files.createTempDirectory("fairl-kernel-");
    Path connFile = dir.resolve("kernel.json");
    Map<String, Object> conn = new java.util.LinkedHashMap<>();
    conn.put("transport", "tcp");
    conn.put("ip", "127.0.0.1");
    conn.put("signature_scheme", "hmac-sha256");
    conn.put("key", UUID.randomUUID().toString());
    for (String port :
        List.of("shell_port", "iopub_port", "stdin_port", "control_port", "hb_port")) {
      try (ServerSocket s = new ServerSocket(0)) {
        conn.put(port, s.getLocalPort());
      }
    }
    Files.writeString(connFile, GSON.toJson(conn));
    List<String> cmd = new ArrayList<>();
    for (String a : argv) {
      cmd.add(a.replace("{connection_file}", connFile.toString()));
    }
    ProcessBuilder pb = new ProcessBuilder(cmd);
    if (cwd != null) {
      pb.directory(cwd.toFile());
    }
    pb.environment().putAll(env);
    pb.environment().put("JPY_PARENT_PID", Long.toString(ProcessHandle.current().pid()));
    Path log = dir.resolve("kernel.log");
    pb.redirectErrorStream(true).redirectOutput(log.toFile());
    Process p = pb.start();
    KernelClient c;
    try {
      c = new KernelClient(p, connFile, log, conn);
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      p.destroyForcibly();
      throw new IllegalStateException("HMAC-SHA256 unavailable", e);
    }
    try {
      c.waitReady(startTimeout);
    } catch (RuntimeException e) {
      c.close();
      throw e;
    }
    return c;
  }

  private void waitReady(Duration timeout) {
    Instant end = Instant.now().plus(timeout);
    while (Instant.now().isBefore(end)) {
      if (!process.isAlive()) {
        throw new IllegalStateException("the kernel exited during start-up:\n" + logTail());
      }
      String id = send(shell, "kernel_info_request", new JsonObject());
      Instant attempt = Instant.now().plusMillis(1000);
      boolean replied = false;
      boolean iopubSeen = false;
      while (Instant.now().isBefore(attempt) && !(replied && iopubSeen)) {
        JsonObject m = receive(shell, 20);
        if (m != null && id.equals(parentId(m))) {
          replied = true;
        }
        JsonObject io;
        while ((io = receive(iopub, replied ? 20 : 0)) != null) {
          if (id.equals(parentId(io))) {
            iopubSeen = true;
          }
        }
      }
      if (replied && iopubSeen) {
        return;
      }
    }
    throw new IllegalStateException(
        "the kernel did not answer kernel_info within "
            + timeout.toSeconds()
            + " s:\n"
            + logTail());
  }

  /** {@code kernel_info_request}; returns the reply content. */
  public JsonObject kernelInfo(Duration timeout) {
    return request(shell, "kernel_info_request", new JsonObject(), timeout, m -> {}).content();
  }

  /**
   * Executes code and waits until the kernel is idle again and has replied. {@code onIopub} sees
   * each of the request's IOPub messages as it arrives.
   */
  public Reply execute(String code, Duration timeout, Consumer<JsonObject> onIopub) {
    JsonObject content = new JsonObject();
    content.addProperty("code", code);
    content.addProperty("silent", false);
    content.addProperty("store_history", true);
    content.add("user_expressions", new JsonObject());
    content.addProperty("allow_stdin", false);
    content.addProperty("stop_on_error", true);
    return request(shell, "execute_request", content, timeout, onIopub);
  }

  /** Sends {@code interrupt_request} on the control channel (kernelspec interrupt_mode message). */
  public synchronized JsonObject interrupt(Duration timeout) {
    String id = send(control, "interrupt_request", new JsonObject());
    Instant end = Instant.now().plus(timeout);
    while (Instant.now().isBefore(end)) {
      JsonObject m = receive(control, 50);
      if (m != null && id.equals(parentId(m))) {
        return m.getAsJsonObject("content");
      }
    }
    throw new IllegalStateException("no interrupt_reply within " + timeout.toSeconds() + " s");
  }

  private Reply request(
      ZMQ.Socket socket,
      String type,
      JsonObject content,
      Duration timeout,
      Consumer<JsonObject> onIopub) {
    String id = send(socket, type, content);
    Instant end = Instant.now().plus(timeout);
    JsonObject reply = null;
    boolean idle = false;
    List<JsonObject> messages = new ArrayList<>();
    ZMQ.Poller poller = zmq.createPoller(2);
    poller.register(socket, ZMQ.Poller.POLLIN);
    poller.register(iopub, ZMQ.Poller.POLLIN);
    try {
      while (reply == null || !idle) {
        if (Instant.now().isAfter(end)) {
          throw new KernelTimeoutException(
              type
                  + " got no "
                  + (reply == null ? "reply" : "idle status")
                  + " within "
                  + timeout.toSeconds()
                  + " s");
        }
        if (!process.isAlive()) {
          throw new KernelDiedException(
              "the kernel died (exit code " + process.exitValue() + "):\n" + logTail());
        }
        poller.poll(100);
        JsonObject m;
        while ((m = receive(iopub, 0)) != null) {
          if (!id.equals(parentId(m))) {
            continue;
          }
          messages.add(m);
          onIopub.accept(m);
          if ("status".equals(type(m))
              && "idle".equals(m.getAsJsonObject("content").get("execution_state").getAsString())) {
            idle = true;
          }
        }
        while ((m = receive(socket, 0)) != null) {
          if (id.equals(parentId(m))) {
            reply = m.getAsJsonObject("content");
          }
        }
      }
    } finally {
      poller.close();
    }
    return new Reply(reply, messages);
  }

  /** Asks the kernel to shut down, then ends the process (forcibly after 3 s). */
  /**
   * Asks the kernel to shut down and waits up to {@code timeout} for its process to exit (a JVM
   * that writes a class-data archive at exit needs a few seconds); returns the exit code, or -1
   * when it had to be killed. {@link #close()} still releases the sockets.
   */
  public int shutdown(Duration timeout) throws InterruptedException {
    if (process.isAlive()) {
      JsonObject c = new JsonObject();
      c.addProperty("restart", false);
      send(control, "shutdown_request", c);
      if (!process.waitFor(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
        process.destroyForcibly().waitFor();
        return -1;
      }
    }
    return process.exitValue();
  }

  @Override
  public void close() {
    try {
      if (process.isAlive()) {
        JsonObject c = new JsonObject();
        c.addProperty("restart", false);
        send(control, "shutdown_request", c);
        if (!process.waitFor(3, java.util.concurrent.TimeUnit.SECONDS)) {
          process.destroy();
          if (!process.waitFor(2, java.util.concurrent.TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
          }
        }
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    } finally {
      zmq.close();
      try {
        Files.deleteIfExists(connectionFile);
      } catch (IOException ignored) {
        // a temp file; leaving it is harmless
      }
    }
  }

  /** CPU time the kernel process has used so far (user + system), or -1 where unknown. */
  public long kernelCpuMillis() {
    return process.info().totalCpuDuration().map(Duration::toMillis).orElse(-1L);
  }

  public boolean alive() {
    return process.isAlive();
  }

  /** The last lines the kernel process wrote to stdout/stderr. */
  public String logTail() {
    try {
      List<String> lines = Files.readAllLines(logFile);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    } catch (IOException e) {
      return "(no kernel log: " + e.getMessage() + ")";
    }
  }

  static String type(JsonObject msg) {
    return msg.getAsJsonObject("header").get("msg_type").getAsString();
  }

  static String parentId(JsonObject msg) {
    JsonObject p = msg.getAsJsonObject("parent_header");
    return p != null && p.has("msg_id") ? p.get("msg_id").getAsString() : "";
  }

  private synchronized String sign(byte[]... parts) {
    for (byte[] p : parts) {
      mac.update(p);
    }
    return HexFormat.of().formatHex(mac.doFinal());
  }

  private String send(ZMQ.Socket socket, String type, JsonObject content) {
    String id = UUID.randomUUID().toString();
    JsonObject header = new JsonObject();
    header.addProperty("msg_id", id);
    header.addProperty("session", session);
    header.addProperty("username", "fairl");
    header.addProperty("date", Instant.now().toString());
    header.addProperty("msg_type", type);
    header.addProperty("version", "5.3");
    byte[] h = bytes(header);
    byte[] parent = bytes(new JsonObject());
    byte[] meta = bytes(new JsonObject());
    byte[] c = bytes(content);
    socket.sendMore(DELIM);
    socket.sendMore(sign(h, parent, meta, c));
    socket.sendMore(h);
    socket.sendMore(parent);
    socket.sendMore(meta);
    socket.send(c);
    return id;
  }

  private static byte[] bytes(JsonObject o) {
    return GSON.toJson(o).getBytes(StandardCharsets.UTF_8);
  }

  /** Receives one message or returns null after {@code waitMs} (0: do not wait). */
  private JsonObject receive(ZMQ.Socket socket, int waitMs) {
    byte[] first = waitMs <= 0 ? socket.recv(ZMQ.DONTWAIT) : recvWithin(socket, waitMs);
    if (first == null) {
      return null;
    }
    List<byte[]> frames = new ArrayList<>();
    frames.add(first);
    while (socket.hasReceiveMore()) {
      frames.add(socket.recv());
    }
    int d = 0;
    while (d < frames.size() && !java.util.Arrays.equals(frames.get(d), DELIM)) {
      d++;
    }
    if (d + 5 >= frames.size()) {
      return null;
    }
    String sig = new String(frames.get(d + 1), StandardCharsets.UTF_8);
    String expected =
        sign(frames.get(d + 2), frames.get(d + 3), frames.get(d + 4), frames.get(d + 5));
    if (!sig.equals(expected)) {
      throw new IllegalStateException("a kernel message failed its HMAC signature check");
    }
    JsonObject msg = new JsonObject();
    msg.add("header", parse(frames.get(d + 2)));
    msg.add("parent_header", parse(frames.get(d + 3)));
    msg.add("metadata", parse(frames.get(d + 4)));
    msg.add("content", parse(frames.get(d + 5)));
    return msg;
  }

  private static byte[] recvWithin(ZMQ.Socket socket, int waitMs) {
    socket.setReceiveTimeOut(waitMs);
    try {
      return socket.recv();
    } finally {
      socket.setReceiveTimeOut(-1);
    }
  }

  private static JsonObject parse(byte[] b) {
    try {
      return JsonParser.parseString(new String(b, StandardCharsets.UTF_8)).getAsJsonObject();
    } catch (RuntimeException e) {
      throw new UncheckedIOException(
          new IOException("malformed kernel message: " + e.getMessage()));
    }
  }

  /** The kernel did not answer in time. */
  public static final class KernelTimeoutException extends RuntimeException {
    KernelTimeoutException(String m) {
      super(m);
    }
  }

  /** The kernel process ended while a request was running. */
  public static final class KernelDiedException extends RuntimeException {
    KernelDiedException(String m) {
      super(m);
    }
  }
}
