package ai.fairl.reward;

import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.List;
import java.util.Map;

/**
 * Loads {@code local_reward_function} classes. FAI-RL imports a Python callable {@code
 * module:func}; here the unit is a class: either it implements {@link RewardFunction} (built with a
 * {@code (Map<String, Object> kwargs)} constructor, or a no-argument one when there are no kwargs),
 * or {@code Class::method} names a static or instance method with parameters {@code (List<String>
 * prompts, List<String> completions, List<Map<String, Object>> columns[, Map<String, Object>
 * kwargs])} returning {@code double[]}, {@code float[]} or a {@code List} of numbers.
 */
final class LocalRewards {
  private LocalRewards() {}

  static RewardFunction load(LocalRewardConfig config, ClassLoader loader) {
    String spec = config.function();
    if (spec.contains(":") && !spec.contains("::")) {
      throw new IllegalArgumentException(
          "local_reward_function.function '"
              + spec
              + "' looks like a Python 'module:func'; name a Java class (com.acme.MyRewards) or"
              + " a method (com.acme.MyRewards::score) on the classpath");
    }
    int sep = spec.indexOf("::");
    String className = sep < 0 ? spec : spec.substring(0, sep);
    String methodName = sep < 0 ? null : spec.substring(sep + 2);
    Class<?> cls;
    try {
      cls =
          Class.forName(
              className, true, loader == null ? LocalRewards.class.getClassLoader() : loader);
    } catch (ClassNotFoundException e) {
      throw new IllegalArgumentException(
          "local_reward_function.function: class '"
              + className
              + "' is not on the classpath; add its jar with --classpath or FAIRL_CLASSPATH",
          e);
    }
    Map<String, Object> kwargs = config.kwargs();
    if (methodName == null) {
      if (!RewardFunction.class.isAssignableFrom(cls)) {
        throw new IllegalArgumentException(
            "local_reward_function.function: "
                + className
                + " does not implement ai.fairl.reward.RewardFunction; implement it, or name a"
                + " method: "
                + className
                + "::score");
      }
      RewardFunction fn = (RewardFunction) instantiate(cls, kwargs, spec);
      return Rewards.named(fn.name(), fn);
    }
    Method method = findMethod(cls, methodName, spec);
    boolean takesKwargs = method.getParameterCount() == 4;
    if (!takesKwargs && !kwargs.isEmpty() && Modifier.isStatic(method.getModifiers())) {
      throw new IllegalArgumentException(
          "local_reward_function.kwargs given, but "
              + spec
              + " takes no kwargs; add a Map<String, Object> kwargs parameter or remove kwargs");
    }
    Object target =
        Modifier.isStatic(method.getModifiers()) ? null : instantiate(cls, kwargs, spec);
    RewardFunction fn =
        (prompts, completions, columns) -> {
          Object result;
          try {
            result =
                takesKwargs
                    ? method.invoke(target, prompts, completions, columns, kwargs)
                    : method.invoke(target, prompts, completions, columns);
          } catch (IllegalAccessException e) {
            throw new IllegalStateException(spec + " is not accessible: make it public", e);
          } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException re) {
              throw re;
            }
            throw new IllegalStateException(spec + " threw " + cause, cause);
          }
          return toScores(result, spec);
        };
    return Rewards.named(methodName, fn);
  }

  private static Method findMethod(Class<?> cls, String name, String spec) {
    for (Method m : cls.getMethods()) {
      if (!m.getName().equals(name)) {
        continue;
      }
      Class<?>[] p = m.getParameterTypes();
      boolean shape =
          (p.length == 3 || p.length == 4)
              && List.class.isAssignableFrom(p[0])
              && List.class.isAssignableFrom(p[1])
              && List.class.isAssignableFrom(p[2])
              && (p.length == 3 || Map.class.isAssignableFrom(p[3]));
      if (shape) {
        return m;
      }
    }
    throw new IllegalArgumentException(
        "local_reward_function.function: "
            + spec
            + " has no public method "
            + name
            + "(List<String> prompts, List<String> completions, List<Map<String, Object>>"
            + " columns[, Map<String, Object> kwargs])");
  }

  private static Object instantiate(Class<?> cls, Map<String, Object> kwargs, String spec) {
    try {
      try {
        Constructor<?> c = cls.getConstructor(Map.class);
        return c.newInstance(kwargs);
      } catch (NoSuchMethodException e) {
        if (!kwargs.isEmpty()) {
          throw new IllegalArgumentException(
              "local_reward_function.kwargs "
                  + kwargs.keySet()
                  + " given, but "
                  + cls.getName()
                  + " has no public (Map<String, Object> kwargs) constructor; add one or remove"
                  + " kwargs");
        }
        return cls.getConstructor().newInstance();
      }
    } catch (NoSuchMethodException e) {
      throw new IllegalArgumentException(
          "local_reward_function.function: "
              + cls.getName()
              + " needs a public no-argument or (Map<String, Object> kwargs) constructor",
          e);
    } catch (InvocationTargetException e) {
      throw new IllegalArgumentException(
          "local_reward_function.function: constructing " + spec + " failed: " + e.getCause(),
          e.getCause());
    } catch (ReflectiveOperationException e) {
      throw new IllegalArgumentException(
          "local_reward_function.function: cannot construct " + spec + ": " + e, e);
    }
  }

  static double[] toScores(Object result, String spec) {
    if (result instanceof double[] d) {
      return d;
    }
    if (result instanceof float[] f) {
      double[] out = new double[f.length];
      for (int i = 0; i < f.length; i++) {
        out[i] = f[i];
      }
      return out;
    }
    if (result instanceof List<?> list) {
      double[] out = new double[list.size()];
      for (int i = 0; i < out.length; i++) {
        Object v = list.get(i);
        if (v instanceof Boolean) {
          throw new IllegalStateException(
              spec + " returned a boolean at index " + i + "; return numbers");
        }
        if (!(v instanceof Number n)) {
          throw new IllegalStateException(
              spec + " returned " + v + " at index " + i + "; return numbers");
        }
        out[i] = n.doubleValue();
      }
      return out;
    }
    throw new IllegalStateException(
        spec
            + " returned "
            + (result == null ? "null" : result.getClass().getName())
            + "; return double[], float[] or a List of numbers");
  }
}
