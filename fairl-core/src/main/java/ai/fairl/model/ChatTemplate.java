package ai.fairl.model;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A Hugging Face chat template: a Jinja2 template rendered the way transformers renders it ({@code
 * trim_blocks} and {@code lstrip_blocks} on, loop controls, {@code raise_exception}, {@code
 * strftime_now}, a Python-compatible {@code tojson}).
 *
 * <p>Simplified: this is a small interpreter of the Jinja2 subset that chat templates use
 * (statements {@code if/elif/else, for (with loop.*, else, if-filter, tuple targets), set (incl.
 * namespace attributes and set blocks), macro, break, continue, generation}; Python-style
 * expressions, slices, string and dict methods, the common filters and tests). There is no
 * autoescaping, no template inheritance or includes, and no sandbox beyond having no access to Java
 * objects. An unsupported construct fails with its line number. We wrote our own because Jinjava is
 * not in the build's dependency set and the subset is small; the tests compare every template
 * against {@code @huggingface/jinja}.
 */
public final class ChatTemplate {
  private final String source;
  private final List<Jinja.Node> body;

  private ChatTemplate(String source, List<Jinja.Node> body) {
    this.source = source;
    this.body = body;
  }

  /** Parses a template; syntax errors name the line and the construct. */
  public static ChatTemplate parse(String source) {
    return new ChatTemplate(source, Jinja.parse(source));
  }

  /** The template text. */
  public String source() {
    return source;
  }

  /**
   * Renders with the given variables (Java Maps, Lists, Strings, Numbers, Booleans and null map to
   * Python dicts, lists, strings, numbers, booleans and None).
   *
   * @throws TemplateException for {@code raise_exception} calls and runtime errors
   */
  public String render(Map<String, Object> variables) {
    return Jinja.render(body, new LinkedHashMap<>(variables));
  }

  /** Raised by {@code raise_exception(...)} in a template, or by a failure while rendering. */
  public static final class TemplateException extends RuntimeException {
    public TemplateException(String message) {
      super(message);
    }
  }
}
