package ai.fairl.notebook;

import ai.fairl.Fairl;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.Charset;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.dflib.jjava.jupyter.channels.ShellReplyEnvironment;
import org.dflib.jjava.jupyter.kernel.BaseKernel;
import org.dflib.jjava.jupyter.kernel.BaseKernelBuilder;
import org.dflib.jjava.jupyter.kernel.JupyterIO;
import org.dflib.jjava.jupyter.kernel.LanguageInfo;
import org.dflib.jjava.jupyter.kernel.ReplacementOptions;
import org.dflib.jjava.jupyter.kernel.comm.CommManager;
import org.dflib.jjava.jupyter.kernel.display.DisplayData;
import org.dflib.jjava.jupyter.kernel.display.Renderer;
import org.dflib.jjava.jupyter.kernel.history.HistoryEntry;
import org.dflib.jjava.jupyter.kernel.history.HistoryManager;
import org.dflib.jjava.jupyter.kernel.magic.MagicParser;
import org.dflib.jjava.jupyter.kernel.magic.MagicsRegistry;
import org.dflib.jjava.jupyter.kernel.util.StringStyler;
import org.dflib.jjava.jupyter.messages.Header;
import org.dflib.jjava.jupyter.messages.Message;
import org.dflib.jjava.jupyter.messages.reply.KernelInfoReply;
import org.dflib.jjava.jupyter.messages.request.KernelInfoRequest;

/**
 * The {@code fairl-java} Jupyter kernel: JShell cells on jjava-jupyter 1.0-a6's protocol layer.
 *
 * <p>What it adds to the library (reference/notebook-ecosystem.md section 7): {@code
 * kernel_info_reply} carries {@code status}; history is answered (in memory, this session only);
 * {@code is_complete} says {@code invalid} for invalid code; stdout/stderr are line-buffered; no
 * Out[] for display calls or a trailing {@code ;}; cells run on a worker thread so an interrupt
 * trips {@link Notebook#stopSignal()} (a training cell stops at a step boundary) and, when no run
 * listens, interrupts the cell's thread. Magics and renderers come from {@link FairlExtension},
 * loaded through {@link java.util.ServiceLoader} exactly as stock JJava loads it.
 */
public final class FairlKernel extends BaseKernel {
  /** The kernelspec name. */
  public static final String KERNEL_NAME = "fairl-java";

  private static final long GIVE_UP_AFTER_INTERRUPT_MS = 10_000;
  private static final String STARTUP =
      String.join(
          "\n",
          "import java.util.*;",
          "import java.util.function.*;",
          "import java.util.stream.*;",
          "import java.nio.file.*;",
          "import java.io.*;",
          "import static org.dflib.jjava.jupyter.kernel.BaseNotebookStatics.*;",
          "import ai.fairl.*;",
          "import ai.fairl.notebook.*;",
          "import ai.fairl.reward.*;",
          "import ai.fairl.train.*;",
          "import tech.tablesaw.api.*;",
          "import org.knowm.xchart.*;");

  private final CellEvaluator evaluator;
  private final PrintStream cellOut;
  private final PrintStream cellErr;
  private final LineBufferedStream outLines;
  private final LineBufferedStream errLines;
  private final List<String> history = new CopyOnWriteArrayList<>();
  private final AtomicInteger interrupts = new AtomicInteger();
  private volatile long interruptedAtMs;
  private volatile ExecutorService worker;
  private volatile Thread workerThread;
  private volatile Future<?> startup;
  private final List<String> userClasspath = new CopyOnWriteArrayList<>();

  private FairlKernel(
      String version,
      JupyterIO io,
      CommManager comms,
      Renderer renderer,
      MagicParser parser,
      MagicsRegistry magics,
      StringStyler errorStyler,
      Charset charset,
      History historyManager) {
    super(
        KERNEL_NAME,
        version,
        new LanguageInfo(
            "java",
            Runtime.version().toString(),
            "text/x-java-source",
            ".jshell",
            "java",
            "text/x-java",
            null),
        List.of(),
        historyManager,
        io,
        comms,
        renderer,
        parser,
        magics,
        true,
        errorStyler);
    historyManager.entries = history;
    this.outLines = new LineBufferedStream(io.out);
    this.errLines = new LineBufferedStream(io.err);
    this.cellOut = new PrintStream(outLines, false, charset);
    this.cellErr = new PrintStream(errLines, false, charset);
    this.evaluator = new CellEvaluator(FairlKernel.class.getClassLoader(), System.err);
    this.worker = newWorker();
    magics.registerLineMagic("classpath", (k, args) -> addJars(args));
    magics.registerLineMagic("jars", (k, args) -> addJars(args));
  }

  /** Builds a kernel; call {@link #onStartup()} then {@link #warmUp()} before connecting. */
  public static FairlKernel create() {
    return new Builder().name(KERNEL_NAME).version(Fairl.version()).build();
  }

  /** Runs the default imports on the cell thread in the background; the first cell waits. */
  public void warmUp() {
    long t0 = System.currentTimeMillis();
    startup =
        worker.submit(
            () -> {
              evaluator.eval(STARTUP);
              if (System.getenv("FAIRL_KERNEL_TIMING") != null) {
                System.err.printf(
                    "fairl-kernel: start-up imports compiled in %d ms%n",
                    System.currentTimeMillis() - t0);
              }
              return null;
            });
  }

  /**
   * Adds jars or folders (path-separator separated) to the cells' classpath and installs any {@link
   * org.dflib.jjava.jupyter.Extension} they declare, as JJava does.
   */
  public void addToClasspath(String classpath) {
    if (classpath == null || classpath.isBlank()) {
      return;
    }
    for (String part : classpath.split(java.io.File.pathSeparator)) {
      if (!part.isBlank() && !Files.exists(Path.of(part))) {
        throw new IllegalArgumentException(
            "classpath entry does not exist: "
                + part
                + " (check --classpath / FAIRL_CLASSPATH; separate entries with '"
                + java.io.File.pathSeparator
                + "')");
      }
    }
    evaluator.addToClasspath(classpath);
    for (String part : classpath.split(java.io.File.pathSeparator)) {
      if (!part.isBlank()) {
        userClasspath.add(Path.of(part).toAbsolutePath().toString());
      }
    }
    installExtensions(evaluator.classLoader());
  }

  /** The jars and folders added to the cells' classpath ({@code --classpath}, {@code %jars}). */
  public List<String> userClasspath() {
    return List.copyOf(userClasspath);
  }

  private List<String> addJars(List<String> args) throws IOException {
    List<String> added = new ArrayList<>();
    for (String arg : args) {
      added.addAll(glob(arg));
    }
    if (added.isEmpty()) {
      throw new IllegalArgumentException("%jars: no file matches " + String.join(" ", args));
    }
    addToClasspath(String.join(java.io.File.pathSeparator, added));
    return null;
  }

  static List<String> glob(String pattern) throws IOException {
    if (!pattern.contains("*") && !pattern.contains("?")) {
      return List.of(Path.of(pattern).toAbsolutePath().toString());
    }
    Path p = Path.of(pattern).toAbsolutePath();
    Path dir = p.getParent();
    PathMatcher m = FileSystems.getDefault().getPathMatcher("glob:" + p.getFileName());
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(f -> m.matches(f.getFileName())).sorted().map(Path::toString).toList();
    }
  }

  @Override
  protected ClassLoader getClassLoader() {
    return evaluator.classLoader();
  }

  @Override
  public Object evalRaw(String code) {
    if (Thread.currentThread() == workerThread) {
      return evaluator.eval(resolveMagics(code));
    }
    awaitStartup();
    Notebook.resetForCell();
    interrupts.set(0);
    interruptedAtMs = 0;
    history.add(code);
    Future<Object> cell =
        worker.submit(
            () -> {
              try {
                return evaluator.eval(resolveMagics(code));
              } finally {
                Thread.interrupted();
              }
            });
    try {
      return await(cell);
    } finally {
      flushStreams();
      if (Notebook.takeRanThisCell()) {
        try {
          Notebook.releaseMemory();
        } catch (RuntimeException | LinkageError e) {
          System.err.println("fairl-java: could not release the run's cached memory: " + e);
        }
      }
    }
  }

  /**
   * Turns magics into Java calls. JJava's transpiler ends a magic call with {@code ;{};}, which
   * drops its value; when the magic ends the cell (and the user wrote no {@code ;}), its value is
   * the cell's Out[] (a table, a chart), as in IPython.
   */
  String resolveMagics(String code) {
    String resolved = magicParser.resolveMagics(code);
    String stripped = code.strip();
    String lastLine = stripped.substring(stripped.lastIndexOf('\n') + 1).strip();
    boolean magicLast =
        stripped.startsWith("%%") || (lastLine.startsWith("%") && !lastLine.endsWith(";"));
    if (magicLast && resolved.endsWith(";{};")) {
      return resolved.substring(0, resolved.length() - ";{};".length());
    }
    return resolved;
  }

  private Object await(Future<Object> cell) {
    while (true) {
      try {
        return cell.get(100, TimeUnit.MILLISECONDS);
      } catch (TimeoutException e) {
        long at = interruptedAtMs;
        if (at != 0 && System.currentTimeMillis() - at > GIVE_UP_AFTER_INTERRUPT_MS) {
          ExecutorService stuck = worker;
          worker = newWorker();
          stuck.shutdownNow();
          throw new IllegalStateException(
              "the cell did not stop within "
                  + GIVE_UP_AFTER_INTERRUPT_MS / 1000
                  + " s of the interrupt and keeps running in the background;"
                  + " restart the kernel to end it");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for the cell", e);
      } catch (ExecutionException e) {
        Throwable t = e.getCause();
        if (t instanceof RuntimeException re) {
          throw re;
        }
        if (t instanceof Error err) {
          throw new CellException.UncaughtError(err);
        }
        throw CellEvaluator.<RuntimeException>sneaky(t);
      }
    }
  }

  private void awaitStartup() {
    Future<?> s = startup;
    if (s == null) {
      return;
    }
    try {
      s.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException e) {
      System.err.println("fairl-java: startup imports failed: " + e.getCause());
    }
    startup = null;
  }

  private ExecutorService newWorker() {
    return Executors.newSingleThreadExecutor(
        r -> {
          Thread t = new Thread(r, "fairl-cell");
          t.setDaemon(true);
          t.setContextClassLoader(evaluator.classLoader());
          workerThread = t;
          return t;
        });
  }

  /**
   * Trips the notebook's stop signal; a training cell stops at its next step boundary. Without a
   * run listening to the signal, or on the second interrupt, also interrupts the cell's thread.
   */
  @Override
  public void interrupt() {
    Notebook.stopSignal().request("interrupted from the notebook");
    interruptedAtMs = System.currentTimeMillis();
    int n = interrupts.incrementAndGet();
    Thread t = workerThread;
    if (t != null && (!Notebook.runListening() || n > 1)) {
      t.interrupt();
    }
  }

  @Override
  public void display(DisplayData data) {
    flushStreams();
    super.display(data);
  }

  private void flushStreams() {
    cellOut.flush();
    cellErr.flush();
    try {
      outLines.flushAll();
      errLines.flushAll();
    } catch (IOException e) {
      // the IOPub socket is gone; nothing left to show the text on
    }
  }

  @Override
  protected void replaceOutputStreams(ShellReplyEnvironment env) {
    PrintStream oldOut = System.out;
    PrintStream oldErr = System.err;
    InputStream oldIn = System.in;
    System.setOut(cellOut);
    System.setErr(cellErr);
    System.setIn(io.in);
    env.defer(
        () -> {
          flushStreams();
          System.setOut(oldOut);
          System.setErr(oldErr);
          System.setIn(oldIn);
        });
  }

  @Override
  public List<String> formatError(Throwable e) {
    List<String> lines = new ArrayList<>();
    if (e instanceof CellException ce && !ce.lines().isEmpty()) {
      lines.addAll(ce.lines());
      return lines;
    }
    Throwable shown =
        e instanceof CellException.UncaughtError && e.getCause() != null ? e.getCause() : e;
    StringWriter sw = new StringWriter();
    shown.printStackTrace(new PrintWriter(sw));
    for (String line : sw.toString().split("\\R")) {
      // frames below the JShell wrapper are the kernel's own machinery
      if (line.contains("jdk.internal.reflect.")
          || line.contains("java.lang.reflect.Method.invoke")) {
        lines.add("\t...");
        break;
      }
      lines.add(line);
    }
    return lines;
  }

  @Override
  public DisplayData inspect(String code, int at, boolean extraDetail) {
    awaitStartup();
    String text = evaluator.inspect(code, at, extraDetail);
    return text.isEmpty() ? null : new DisplayData(text);
  }

  @Override
  public ReplacementOptions complete(String code, int at) {
    awaitStartup();
    CellEvaluator.Completion c = evaluator.complete(code, at);
    return new ReplacementOptions(c.matches(), c.start(), c.end());
  }

  @Override
  public String isComplete(String code) {
    awaitStartup();
    return evaluator.isComplete(code);
  }

  @Override
  protected void handleKernelInfoRequest(
      ShellReplyEnvironment env, Message<KernelInfoRequest> message) {
    env.setBusyDeferIdle();
    env.reply(
        new KernelInfoWithStatus(
            Header.PROTOCOL_VERISON,
            name,
            version,
            getLanguageInfo(),
            getBanner(),
            getHelpLinks()));
  }

  @Override
  protected void handleInterruptRequest(
      ShellReplyEnvironment env,
      Message<org.dflib.jjava.jupyter.messages.request.InterruptRequest> m) {
    env.setBusyDeferIdle();
    env.defer().reply(new InterruptReplyWithStatus());
    interrupt();
  }

  @Override
  protected void handleHistoryRequest(
      ShellReplyEnvironment env,
      Message<org.dflib.jjava.jupyter.messages.request.HistoryRequest> m) {
    org.dflib.jjava.jupyter.messages.request.HistoryRequest r = m.getContent();
    Set<HistoryManager.ResultFlag> flags =
        java.util.EnumSet.noneOf(HistoryManager.ResultFlag.class);
    if (r.includeOutput()) {
      flags.add(HistoryManager.ResultFlag.INCLUDE_OUTPUT);
    }
    History h = (History) getHistoryManager();
    List<HistoryEntry> entries =
        switch (r.getAccessType()) {
          case TAIL ->
              h.lookupTail(
                  ((org.dflib.jjava.jupyter.messages.request.HistoryRequest.Tail) r)
                      .getMaxReturnLength(),
                  flags);
          case RANGE -> {
            var range = (org.dflib.jjava.jupyter.messages.request.HistoryRequest.Range) r;
            yield h.lookupRange(range.getSessionIndex(), range.getStart(), range.getStop(), flags);
          }
          case SEARCH -> {
            var search = (org.dflib.jjava.jupyter.messages.request.HistoryRequest.Search) r;
            if (search.filterUnique()) {
              flags.add(HistoryManager.ResultFlag.UNIQUE);
            }
            yield h.search(search.getPattern(), search.getMaxReturnLength(), flags);
          }
        };
    env.setBusyDeferIdle();
    env.reply(new HistoryReplyWithStatus(entries));
  }

  /**
   * history_reply as the spec writes it: {@code status} (missing in jjava-jupyter 1.0-a6) and
   * {@code history} as {@code [session, line, input]} or {@code [session, line, [input, output]]}.
   */
  static final class HistoryReplyWithStatus
      implements org.dflib.jjava.jupyter.messages.ContentType<HistoryReplyWithStatus>,
          org.dflib.jjava.jupyter.messages.ReplyType<
              org.dflib.jjava.jupyter.messages.request.HistoryRequest> {
    @SuppressWarnings("unused")
    private final String status = "ok";

    @SuppressWarnings("unused")
    private final List<List<Object>> history = new ArrayList<>();

    HistoryReplyWithStatus(List<HistoryEntry> entries) {
      for (HistoryEntry e : entries) {
        Object cell = e.hasOutput() ? List.of(e.getInput(), e.getOutput()) : e.getInput();
        history.add(List.of(e.getSession(), e.getCellNumber(), cell));
      }
    }

    @Override
    @SuppressWarnings("unchecked")
    public org.dflib.jjava.jupyter.messages.MessageType<HistoryReplyWithStatus> getType() {
      return (org.dflib.jjava.jupyter.messages.MessageType<HistoryReplyWithStatus>)
          (org.dflib.jjava.jupyter.messages.MessageType<?>)
              org.dflib.jjava.jupyter.messages.reply.HistoryReply.MESSAGE_TYPE;
    }

    @Override
    public org.dflib.jjava.jupyter.messages.MessageType<
            org.dflib.jjava.jupyter.messages.request.HistoryRequest>
        getRequestType() {
      return org.dflib.jjava.jupyter.messages.reply.HistoryReply.REQUEST_MESSAGE_TYPE;
    }
  }

  /** jjava-jupyter 1.0-a6 sends an empty interrupt_reply; the spec requires {@code status}. */
  static final class InterruptReplyWithStatus
      extends org.dflib.jjava.jupyter.messages.reply.InterruptReply {
    @SuppressWarnings("unused")
    private final String status = "ok";
  }

  @Override
  public void onShutdown(boolean isRestarting) {
    super.onShutdown(isRestarting);
    worker.shutdownNow();
    evaluator.close();
  }

  /** jjava-jupyter 1.0-a6 omits {@code status}, which the message spec requires. */
  static final class KernelInfoWithStatus extends KernelInfoReply {
    @SuppressWarnings("unused")
    private final String status = "ok";

    KernelInfoWithStatus(
        String protocol,
        String name,
        String version,
        LanguageInfo lang,
        String banner,
        List<org.dflib.jjava.jupyter.kernel.HelpLink> links) {
      super(protocol, name, version, lang, banner, links);
    }
  }

  /** In-memory history of this session (jjava-jupyter drops history requests without one). */
  static final class History implements HistoryManager {
    volatile List<String> entries = List.of();

    /** Outputs are not kept; with INCLUDE_OUTPUT each entry carries an empty output. */
    private static HistoryEntry entry(int line, String input, Set<ResultFlag> flags) {
      return new HistoryEntry(
          1, line, input, flags.contains(ResultFlag.INCLUDE_OUTPUT) ? "" : null);
    }

    @Override
    public List<HistoryEntry> lookupTail(int length, Set<ResultFlag> flags) {
      List<String> all = entries;
      int from = Math.max(0, all.size() - Math.max(0, length));
      List<HistoryEntry> out = new ArrayList<>();
      for (int i = from; i < all.size(); i++) {
        out.add(entry(i + 1, all.get(i), flags));
      }
      return out;
    }

    @Override
    public List<HistoryEntry> lookupRange(int session, int start, int stop, Set<ResultFlag> flags) {
      List<String> all = entries;
      List<HistoryEntry> out = new ArrayList<>();
      for (int i = Math.max(1, start);
          i < Math.min(all.size() + 1, stop <= 0 ? all.size() + 1 : stop);
          i++) {
        out.add(entry(i, all.get(i - 1), flags));
      }
      return out;
    }

    @Override
    public List<HistoryEntry> search(String pattern, int length, Set<ResultFlag> flags) {
      StringBuilder re = new StringBuilder();
      for (char ch : pattern.toCharArray()) {
        re.append(
            ch == '*' ? ".*" : ch == '?' ? "." : java.util.regex.Pattern.quote(String.valueOf(ch)));
      }
      java.util.regex.Pattern p =
          java.util.regex.Pattern.compile(re.toString(), java.util.regex.Pattern.DOTALL);
      List<String> all = entries;
      List<HistoryEntry> out = new ArrayList<>();
      java.util.Set<String> seen = new java.util.HashSet<>();
      for (int i = all.size() - 1; i >= 0; i--) {
        if (p.matcher(all.get(i)).matches()
            && (!flags.contains(ResultFlag.UNIQUE) || seen.add(all.get(i)))) {
          out.add(0, entry(i + 1, all.get(i), flags));
        }
      }
      return length > 0 && out.size() > length ? out.subList(out.size() - length, out.size()) : out;
    }
  }

  static final class Builder extends BaseKernelBuilder<Builder, FairlKernel> {
    @Override
    public FairlKernel build() {
      Charset cs = buildJupyterIOEncoding();
      MagicParser parser = new MagicParser("(?<=(?:^|=))\\s*%", "%%", buildMagicTranspiler());
      return new FairlKernel(
          buildVersion(),
          buildJupyterIO(cs),
          buildCommManager(),
          buildRenderer(),
          parser,
          buildMagicsRegistry(),
          buildErrorStyler(),
          cs,
          new History());
    }
  }
}
