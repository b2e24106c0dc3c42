/*
 * FAI-RL's GSM8K answer-extraction ladder (reference section 9, eval_datasets/gsm8k.py), with its
 * faults fixed:
 *  - numbers compare by value, so "$18.00", "18.0" and "18" agree (FAI-RL compared strings);
 *  - after a delimiter ("####", "answer is", "final answer") the FIRST number is the answer, so
 *    "The answer is 18 because 9 * 2" gives 18 (FAI-RL took the last number, 2);
 *  - "1/2" is read as the fraction 0.5 when it terminates; ".5" is a number.
 * Ladder: (1) a JSON-style "answer": value, (2) the latest delimiter, (3) "answer is <number>",
 * (4) the last number in the text, (5) none.
 */
package ai.fairl.eval;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Extracts and normalises a numeric answer from free text (GSM8K). */
public final class NumberExtractor {
  private static final String NUM = "-?\\$?(?:\\d[\\d,]*(?:\\.\\d+)?|\\.\\d+)(?:\\s*/\\s*\\d+)?";
  private static final Pattern NUMBER = Pattern.compile("(?<![\\w.])(" + NUM + ")");
  private static final Pattern JSON_ANSWER =
      Pattern.compile("[\"']answer[\"']\\s*:\\s*\"?([^\"\\n}]+)\"?", Pattern.CASE_INSENSITIVE);
  private static final Pattern[] DELIMITERS = {
    Pattern.compile("####"),
    Pattern.compile("answer\\s+is", Pattern.CASE_INSENSITIVE),
    Pattern.compile("final\\s+answer", Pattern.CASE_INSENSITIVE),
  };

  private NumberExtractor() {}

  /** The normalised numeric answer of a model's response, or empty when it has none. */
  public static Optional<String> extract(String response) {
    if (response == null || response.isBlank()) {
      return Optional.empty();
    }
    Matcher json = JSON_ANSWER.matcher(response);
    if (json.find()) {
      Optional<String> n = firstNumber(json.group(1));
      if (n.isPresent()) {
        return n;
      }
    }
    int best = -1;
    for (Pattern d : DELIMITERS) {
      Matcher m = d.matcher(response);
      while (m.find()) {
        best = Math.max(best, m.end());
      }
    }
    if (best >= 0) {
      Optional<String> n = firstNumber(response.substring(best));
      if (n.isPresent()) {
        return n;
      }
    }
    String last = null;
    Matcher m = NUMBER.matcher(response);
    while (m.find()) {
      last = m.group(1);
    }
    return last == null ? Optional.empty() : Optional.of(normalize(last));
  }

  /** The ground truth of a GSM8K answer: the number after the last "####", else the last number. */
  public static Optional<String> groundTruth(String answer) {
    if (answer == null) {
      return Optional.empty();
    }
    int at = answer.lastIndexOf("####");
    if (at >= 0) {
      Optional<String> n = firstNumber(answer.substring(at + 4));
      if (n.isPresent()) {
        return n;
      }
    }
    String last = null;
    Matcher m = NUMBER.matcher(answer);
    while (m.find()) {
      last = m.group(1);
    }
    return last == null ? Optional.empty() : Optional.of(normalize(last));
  }

  private static Optional<String> firstNumber(String s) {
    Matcher m = NUMBER.matcher(s);
    return m.find() ? Optional.of(normalize(m.group(1))) : Optional.empty();
  }

  /**
   * The canonical form of a number: no "$" or thousands separators, no trailing zeros after the
   * point, no leading zeros; "1/4" becomes "0.25". Text that is not a number is returned stripped
   * and lower-cased.
   */
  public static String normalize(String raw) {
    String s = raw.strip().replace(",", "").replace("$", "").replaceAll("\\s+", "");
    while (s.startsWith("=")) {
      s = s.substring(1);
    }
    while (s.endsWith(".")) {
      s = s.substring(0, s.length() - 1);
    }
    try {
      BigDecimal v;
      int slash = s.indexOf('/');
      if (slash > 0) {
        BigDecimal num = new BigDecimal(s.substring(0, slash));
        BigDecimal den = new BigDecimal(s.substring(slash + 1));
        if (den.signum() == 0) {
          return s;
        }
        try {
          v = num.divide(den);
        } catch (ArithmeticException nonTerminating) {
          v = num.divide(den, MathContext.DECIMAL64);
        }
      } else {
        v = new BigDecimal(s);
      }
      if (v.signum() == 0) {
        return "0";
      }
      return v.stripTrailingZeros().toPlainString();
    } catch (NumberFormatException notNumber) {
      return s.toLowerCase(Locale.ROOT);
    }
  }
}
