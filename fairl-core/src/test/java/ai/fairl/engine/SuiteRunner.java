/*
 * Runs JUnit 5 test classes without Maven or the JUnit launcher (the GPU host has neither): each
 * @Test method on a fresh instance, with @BeforeEach/@AfterEach and @AfterAll; prints one line per
 * test and a summary; exit status 1 when any test fails. Simplified: no parameterised tests,
 * nested classes or extensions (the engine suite uses none); @TempDir Path parameters get a fresh
 * temporary folder.
 * Usage: java -cp ... ai.fairl.engine.SuiteRunner ai.fairl.engine.NdArrayOpsTest ...
 */
package ai.fairl.engine;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

final class SuiteRunner {

  private SuiteRunner() {}

  public static void main(String[] args) throws Exception {
    int passed = 0;
    List<String> failed = new ArrayList<>();
    for (String name : args) {
      Class<?> cls = Class.forName(name);
      List<Method> methods = new ArrayList<>(Arrays.asList(cls.getDeclaredMethods()));
      methods.sort(Comparator.comparing(Method::getName));
      for (Method test : methods) {
        if (!test.isAnnotationPresent(Test.class)) {
          continue;
        }
        String id = cls.getSimpleName() + "." + test.getName();
        long t0 = System.nanoTime();
        try {
          var ctor = cls.getDeclaredConstructor();
          ctor.setAccessible(true);
          Object instance = ctor.newInstance();
          invokeAll(methods, BeforeEach.class, instance);
          try {
            test.setAccessible(true);
            Object[] params = new Object[test.getParameterCount()];
            for (int i = 0; i < params.length; i++) {
              if (test.getParameterTypes()[i] != java.nio.file.Path.class) {
                throw new IllegalStateException("SuiteRunner only injects @TempDir Path");
              }
              params[i] = java.nio.file.Files.createTempDirectory("suite");
            }
            test.invoke(instance, params);
          } finally {
            invokeAll(methods, AfterEach.class, instance);
          }
          passed++;
          System.out.printf("PASS %-70s %6.0f ms%n", id, (System.nanoTime() - t0) / 1e6);
        } catch (Throwable t) {
          Throwable cause = t instanceof InvocationTargetException ? t.getCause() : t;
          failed.add(id + ": " + cause);
          System.out.printf("FAIL %-70s %s%n", id, cause);
          for (StackTraceElement e : cause.getStackTrace()) {
            if (e.getClassName().startsWith("ai.fairl")) {
              System.out.println("       at " + e);
            }
          }
        }
      }
      invokeAll(methods, AfterAll.class, null);
    }
    System.out.printf("SUMMARY passed=%d failed=%d%n", passed, failed.size());
    failed.forEach(f -> System.out.println("FAILED " + f));
    System.exit(failed.isEmpty() ? 0 : 1);
  }

  private static void invokeAll(
      List<Method> methods, Class<? extends java.lang.annotation.Annotation> a, Object instance)
      throws Exception {
    for (Method m : methods) {
      if (m.isAnnotationPresent(a) && (instance != null || Modifier.isStatic(m.getModifiers()))) {
        m.setAccessible(true);
        try {
          m.invoke(instance);
        } catch (InvocationTargetException e) {
          if (e.getCause() instanceof Exception ex) {
            throw ex;
          }
          throw e;
        }
      }
    }
  }
}
