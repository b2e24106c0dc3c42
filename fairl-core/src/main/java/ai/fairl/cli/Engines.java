package ai.fairl.cli;

import ai.fairl.recipe.EvaluationRecipe;
import ai.fairl.recipe.InferenceRecipe;
import ai.fairl.recipe.RunOptions;
import ai.fairl.recipe.TrainingRecipe;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.Optional;
import java.util.ServiceLoader;

/** Finds the engines behind the CLIs: a service entry first, then the engine's known class. */
final class Engines {
  private Engines() {}

  /**
   * Tests only: an engine to use instead of the lookup ({@link #NONE} to act as if none were on the
   * classpath), by runner interface.
   */
  static final java.util.Map<Class<?>, Object> FORCED =
      new java.util.concurrent.ConcurrentHashMap<>();

  /** Marks a runner as absent in {@link #FORCED}. */
  static final Object NONE = new Object();

  private static <T> T forced(Class<T> type, String className, String what) {
    Object f = FORCED.get(type);
    if (f == NONE) {
      throw new Missing(what, type, className + ".run");
    }
    return type.cast(f);
  }

  /** Thrown when no engine of a kind is on the classpath: exit status 1. */
  static final class Missing extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Missing(String what, Class<?> service, String className) {
      super(
          what
              + " engine not on the classpath (no "
              + service.getName()
              + " service and no "
              + className
              + ")");
    }
  }

  static TrainRunner train() {
    if (FORCED.containsKey(TrainRunner.class)) {
      return forced(TrainRunner.class, "ai.fairl.train.Training", "training");
    }
    return find(TrainRunner.class, "ai.fairl.train.Training", TrainingRecipe.class, "training")
        .map(m -> (TrainRunner) (r, o) -> invoke(m, r, o))
        .orElseGet(() -> service(TrainRunner.class, "ai.fairl.train.Training", "training"));
  }

  static InferenceRunner inference() {
    if (FORCED.containsKey(InferenceRunner.class)) {
      return forced(InferenceRunner.class, "ai.fairl.infer.Inference", "inference");
    }
    return find(
            InferenceRunner.class, "ai.fairl.infer.Inference", InferenceRecipe.class, "inference")
        .map(m -> (InferenceRunner) (r, o) -> invoke(m, r, o))
        .orElseGet(() -> service(InferenceRunner.class, "ai.fairl.infer.Inference", "inference"));
  }

  static EvalRunner eval() {
    if (FORCED.containsKey(EvalRunner.class)) {
      return forced(EvalRunner.class, "ai.fairl.eval.Evaluation", "evaluation");
    }
    return find(EvalRunner.class, "ai.fairl.eval.Evaluation", EvaluationRecipe.class, "evaluation")
        .map(m -> (EvalRunner) (r, o) -> invoke(m, r, o))
        .orElseGet(() -> service(EvalRunner.class, "ai.fairl.eval.Evaluation", "evaluation"));
  }

  /** The static {@code run(recipe, RunOptions)} of the known class, unless a service exists. */
  private static Optional<Method> find(
      Class<?> service, String className, Class<?> recipeType, String what) {
    if (ServiceLoader.load(service, loader()).findFirst().isPresent()) {
      return Optional.empty();
    }
    try {
      Class<?> c = Class.forName(className, true, loader());
      return Optional.of(c.getMethod("run", recipeType, RunOptions.class));
    } catch (ClassNotFoundException | NoSuchMethodException e) {
      return Optional.empty();
    }
  }

  private static <T> T service(Class<T> service, String className, String what) {
    return ServiceLoader.load(service, loader())
        .findFirst()
        .orElseThrow(() -> new Missing(what, service, className + ".run"));
  }

  private static void invoke(Method m, Object recipe, RunOptions options) throws Exception {
    try {
      m.invoke(null, recipe, options);
    } catch (InvocationTargetException e) {
      if (e.getCause() instanceof Exception ex) {
        throw ex;
      }
      throw e;
    }
  }

  private static ClassLoader loader() {
    ClassLoader l = Thread.currentThread().getContextClassLoader();
    return l != null ? l : Engines.class.getClassLoader();
  }
}
