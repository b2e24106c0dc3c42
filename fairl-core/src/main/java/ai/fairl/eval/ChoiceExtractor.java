/*
 * FAI-RL's multiple-choice answer-extraction ladder (reference section 9, eval_datasets/mmlu.py),
 * with its faults fixed:
 *  - a letter must stand alone: FAI-RL's "ANSWER IS ([ABCD])" read "the answer is because" as B;
 *  - the letter may sit in brackets, parentheses or bold: "The answer is (C)", "**C**";
 *  - the last-resort rule accepts only a leading standalone label ("B", "B.", "(B)", "B) ..."),
 *    not the article in "A cat ..." nor a list "A, B or C"; whitespace-only text gives no answer
 *    (FAI-RL raised IndexError).
 * The rules are tried in FAI-RL's order; within a rule the first match wins, as in FAI-RL.
 */
package ai.fairl.eval;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Extracts a choice label (A, B, ...) from a model's free-text answer. */
public final class ChoiceExtractor {
  private final List<String> labels;
  private final List<Pattern> ladder;
  private final Pattern leading;

  /** The MMLU extractor with labels A-J, as FAI-RL's default {@code choice_labels}. */
  public static ChoiceExtractor standard() {
    return new ChoiceExtractor(List.of("A", "B", "C", "D", "E", "F", "G", "H", "I", "J"));
  }

  /** An extractor for the given single-character labels (FAI-RL's {@code choice_labels}). */
  public ChoiceExtractor(List<String> labels) {
    if (labels == null || labels.isEmpty()) {
      throw new IllegalArgumentException(
          "choice_labels must list at least one label such as [A, B, C, D], got " + labels);
    }
    StringBuilder cls = new StringBuilder();
    for (String l : labels) {
      if (l == null || l.length() != 1 || !Character.isLetterOrDigit(l.charAt(0))) {
        throw new IllegalArgumentException(
            "choice_labels entries must be single letters or digits such as \"A\", got \""
                + l
                + "\"");
      }
      cls.append(Pattern.quote(l.toUpperCase(Locale.ROOT)));
    }
    this.labels = List.copyOf(labels.stream().map(s -> s.toUpperCase(Locale.ROOT)).toList());
    String l = "[" + cls + "]";
    // an optional opening wrapper, the label, and no letter or digit right after it
    String letter = "[(\\[*]*(" + l + ")(?![A-Z0-9])";
    String best = "(?:THE\\s+)?(?:BEST|FINAL|CORRECT)?\\s*(?:ANSWER|OPTION|CHOICE)";
    String[] rules = {
      "[\"']ANSWER[\"']\\s*:\\s*[\"']\\s*" + letter,
      best + "\\s+IS\\s*:?\\s*" + letter,
      "ANSWER\\s*:\\s*" + letter,
      "(?:OPTION|ANSWER|CHOICE)\\s+"
          + letter
          + "[)\\]*]*\\s+IS\\s+(?:THE\\s+)?(?:BEST|FINAL)?\\s*(?:ANSWER|OPTION|CHOICE)",
      "(?:THE\\s+)?(?:ANSWER|OPTION|CHOICE)\\s+IS\\s+(?:OPTION|ANSWER|CHOICE)\\s+" + letter,
      best + "\\s+(?:SHOULD|WOULD|MUST|COULD)\\s+BE\\s*:?\\s*" + letter,
      "(?:OPTION|ANSWER|CHOICE)\\s+" + letter + "[)\\]*]*\\s+IS\\s+(?:THE\\s+)?CORRECT",
    };
    List<Pattern> ps = new ArrayList<>();
    for (String r : rules) {
      ps.add(Pattern.compile(r));
    }
    this.ladder = List.copyOf(ps);
    this.leading = Pattern.compile("^[(\\[*\\s]*(" + l + ")(?:[).:\\]*]|\\s*$)");
  }

  /** The labels this extractor recognises, upper-cased. */
  public List<String> labels() {
    return labels;
  }

  /** The extracted label, or empty when the text names none (an invalid prediction). */
  public Optional<String> extract(String response) {
    if (response == null) {
      return Optional.empty();
    }
    String text = response.toUpperCase(Locale.ROOT);
    for (Pattern p : ladder) {
      Matcher m = p.matcher(text);
      if (m.find()) {
        return Optional.of(m.group(1));
      }
    }
    Matcher m = leading.matcher(text.strip());
    return m.find() ? Optional.of(m.group(1)) : Optional.empty();
  }

  /**
   * The label of a ground-truth value: a 0-based index ("2", 2) or a label ("C"); empty when the
   * value is neither (FAI-RL: None).
   */
  public Optional<String> groundTruth(Object value) {
    if (value == null) {
      return Optional.empty();
    }
    String s = value.toString().strip();
    if (value instanceof Number n) {
      s = Long.toString(n.longValue());
    }
    if (s.matches("\\d+(\\.0+)?")) {
      int i = (int) Double.parseDouble(s);
      return i < labels.size() ? Optional.of(labels.get(i)) : Optional.empty();
    }
    String u = s.toUpperCase(Locale.ROOT);
    return labels.contains(u) ? Optional.of(u) : Optional.empty();
  }
}
