package ai.fairl.recipe;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Describes one recipe key on the record component that holds it. The loader reads these to map
 * YAML to records, fill defaults, print origins in {@code --dry-run}, and generate {@code
 * docs/recipe-keys.md}; so the documentation cannot drift from the code.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.RECORD_COMPONENT)
public @interface Key {
  /** The YAML key; empty means the component name in snake_case. */
  String name() default "";

  /** What the key does, one or two sentences. */
  String doc();

  /** The default as YAML text ({@code "{}"} for a section made of defaults); empty: none. */
  String def() default "";

  /** Where {@link #def()} comes from. */
  Origin origin() default Origin.FAIRL;

  /** The key must be given. */
  boolean required() default false;

  /** Training keys: the algorithms that read this key; empty means all. */
  String[] algorithms() default {};

  /** Per-algorithm defaults, each {@code "algorithm=yaml@ORIGIN"}, e.g. {@code "dpo=0.1@TRL"}. */
  String[] byAlgorithm() default {};

  /** A default computed from other keys, described for humans (e.g. "= epsilon"). */
  String derived() default "";

  /** Non-empty: accepted for FAI-RL compatibility but has no effect here, and why. */
  String noEffect() default "";

  /** The allowed values or range, for the documentation. */
  String allowed() default "";

  /** The value is a secret: shown and saved as {@code ***}. */
  boolean secret() default false;
}
