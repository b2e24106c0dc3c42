package ai.fairl.reward;

import java.math.BigDecimal;
import java.util.regex.Pattern;

/**
 * Python string semantics that FAI-RL's rewards rely on, reproduced code point by code point:
 * {@code str.strip}, {@code str.split()}, {@code str.isdigit} and {@code extract_answer} from
 * {@code trainers/rewards/accuracy_rewards.py}. Plus our opt-in numeric normalisation.
 *
 * <p>Simplified: {@code str.isdigit} is Unicode's Numeric_Type Decimal or Digit; Java has no direct
 * query for Digit, so we accept Nd, and No whose numeric value is a single digit (superscripts,
 * circled digits), which matches Python for every code point we know of.
 */
final class FaiRlText {
  private FaiRlText() {}

  /** Python's {@code str.isspace} for one code point. */
  static boolean isPySpace(int cp) {
    switch (cp) {
      case '\t',
          '\n',
          0x0B,
          0x0C,
          '\r',
          0x1C,
          0x1D,
          0x1E,
          0x1F,
          ' ',
          0x85,
          0xA0,
          0x1680,
          0x2028,
          0x2029,
          0x202F,
          0x205F,
          0x3000 -> {
        return true;
      }
      default -> {
        return cp >= 0x2000 && cp <= 0x200A;
      }
    }
  }

  /** Python's {@code str.strip()}. */
  static String pyStrip(String s) {
    int start = 0;
    int end = s.length();
    while (start < end) {
      int cp = s.codePointAt(start);
      if (!isPySpace(cp)) {
        break;
      }
      start += Character.charCount(cp);
    }
    while (end > start) {
      int cp = s.codePointBefore(end);
      if (!isPySpace(cp)) {
        break;
      }
      end -= Character.charCount(cp);
    }
    return s.substring(start, end);
  }

  /** Python's {@code ' '.join(s.split())}: whitespace runs become one space, ends trimmed. */
  static String collapseWhitespace(String s) {
    StringBuilder out = new StringBuilder(s.length());
    boolean pendingSpace = false;
    for (int i = 0; i < s.length(); ) {
      int cp = s.codePointAt(i);
      i += Character.charCount(cp);
      if (isPySpace(cp)) {
        pendingSpace = out.length() > 0;
      } else {
        if (pendingSpace) {
          out.append(' ');
          pendingSpace = false;
        }
        out.appendCodePoint(cp);
      }
    }
    return out.toString();
  }

  /** Python's {@code str.isdigit()}: non-empty and every code point a digit. */
  static boolean isPyDigit(String s) {
    if (s.isEmpty()) {
      return false;
    }
    return s.codePoints().allMatch(FaiRlText::isPyDigitCp);
  }

  private static boolean isPyDigitCp(int cp) {
    int type = Character.getType(cp);
    if (type == Character.DECIMAL_DIGIT_NUMBER) {
      return true;
    }
    if (type == Character.OTHER_NUMBER) {
      int v = Character.getNumericValue(cp);
      return v >= 0 && v <= 9;
    }
    return false;
  }

  /**
   * FAI-RL's {@code extract_answer}: the text between the last {@code <answer>} and the next {@code
   * </answer>} (the whole text when there are no tags), stripped, with literal {@code \n}
   * sequences, newlines and carriage returns removed, tabs turned to spaces, and whitespace runs
   * collapsed.
   */
  static String extractAnswer(String completion) {
    String s = completion == null ? "None" : completion;
    int open = s.lastIndexOf("<answer>");
    String after = open < 0 ? s : s.substring(open + "<answer>".length());
    int close = after.indexOf("</answer>");
    String ans = close < 0 ? after : after.substring(0, close);
    ans = pyStrip(ans).replace("\\n", "").replace("\n", "").replace("\r", "").replace("\t", " ");
    return collapseWhitespace(ans);
  }

  /** Python's {@code str.count(sub)}: non-overlapping occurrences. */
  static int count(String text, String sub) {
    int n = 0;
    for (int i = text.indexOf(sub); i >= 0; i = text.indexOf(sub, i + sub.length())) {
      n++;
    }
    return n;
  }

  /** Python's {@code len(text.split(sep)[-1])} in code points. */
  static int lengthAfterLast(String text, String sep) {
    int at = text.lastIndexOf(sep);
    String tail = at < 0 ? text : text.substring(at + sep.length());
    return tail.codePointCount(0, tail.length());
  }

  private static final Pattern GROUPED = Pattern.compile("[+-]?\\d{1,3}(,\\d{3})+(\\.\\d*)?");
  private static final Pattern PLAIN = Pattern.compile("[+-]?(\\d+(\\.\\d*)?|\\.\\d+)");

  /**
   * Our opt-in numeric normalisation: {@code $18}, {@code 18.0}, {@code 18.} and {@code +18} become
   * {@code 18}; {@code 1,000} becomes {@code 1000} (only well-formed thousands groups); {@code -0}
   * becomes {@code 0}. Anything that is not a number comes back unchanged (after trimming).
   */
  static String normalizeNumber(String text) {
    String s = pyStrip(text);
    String sign = "";
    if (s.startsWith("-") || s.startsWith("+")) {
      sign = s.substring(0, 1);
      s = s.substring(1);
    }
    if (s.startsWith("$")) {
      s = pyStrip(s.substring(1));
    }
    String candidate = sign + s;
    if (GROUPED.matcher(candidate).matches()) {
      candidate = candidate.replace(",", "");
    }
    if (!PLAIN.matcher(candidate).matches()) {
      return pyStrip(text);
    }
    BigDecimal value = new BigDecimal(candidate.endsWith(".") ? candidate + "0" : candidate);
    if (value.signum() == 0) {
      return "0";
    }
    return value.stripTrailingZeros().toPlainString();
  }
}
