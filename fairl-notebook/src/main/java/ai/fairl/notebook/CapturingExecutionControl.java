package ai.fairl.notebook;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import jdk.jshell.execution.DirectExecutionControl;
import jdk.jshell.spi.ExecutionControl;
import jdk.jshell.spi.ExecutionControlProvider;
import jdk.jshell.spi.ExecutionEnv;

/**
 * Runs cells in the kernel's own JVM and thread (JShell's {@link DirectExecutionControl}) and keeps
 * the real result object and the real exception of each snippet, which JShell would otherwise turn
 * into strings. In-process execution is what lets magics and cells share the notebook kernel and
 * the training stop signal.
 */
final class CapturingExecutionControl extends DirectExecutionControl {
  private static final String KEY_PREFIX = "fairl-result-";
  private final Map<String, Object> results = new ConcurrentHashMap<>();
  private final AtomicLong next = new AtomicLong();
  private volatile Throwable lastThrown;

  CapturingExecutionControl(CellClassLoader loader) {
    super(loader);
  }

  @Override
  protected String invoke(Method doit) throws Exception {
    lastThrown = null;
    try {
      Object value = doit.invoke(null);
      String key = KEY_PREFIX + next.incrementAndGet();
      if (value != null) {
        results.put(key, value);
      }
      return key;
    } catch (InvocationTargetException e) {
      lastThrown = e.getCause();
      throw e;
    }
  }

  /** Takes (and forgets) the value a snippet produced; null for void or null results. */
  Object takeResult(String key) {
    return key == null ? null : results.remove(key);
  }

  void forgetResults() {
    results.clear();
  }

  /** The exception the last snippet threw, as thrown (JShell only keeps its class name). */
  Throwable takeThrown() {
    Throwable t = lastThrown;
    lastThrown = null;
    return t;
  }

  static ExecutionControlProvider provider(CapturingExecutionControl control) {
    return new ExecutionControlProvider() {
      @Override
      public String name() {
        return "fairl-direct";
      }

      @Override
      public ExecutionControl generate(ExecutionEnv env, Map<String, String> parameters) {
        return control;
      }
    };
  }
}
