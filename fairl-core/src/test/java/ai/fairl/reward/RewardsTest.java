package ai.fairl.reward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Edge-case tables for FAI-RL's three rewards. Every expected value was produced by FAI-RL's own
 * Python functions (trainers/rewards/accuracy_rewards.py, format_rewards.py) on the same input.
 */
class RewardsTest {

  static double one(RewardFunction f, String completion, String answer) {
    return f.score(List.of("p"), List.of(completion), List.of(Map.of("answer", answer)))[0];
  }

  static Stream<Arguments> exactMatchTable() {
    return Stream.of(
        Arguments.of("<answer>7</answer>", "7", 2.0),
        Arguments.of("<think>x</think><answer> 7 </answer>", "7", 2.0),
        Arguments.of("7", "7", 2.0), // untagged: compared whole
        Arguments.of("The answer is 7", "7", 0.0),
        Arguments.of("<answer>1,400</answer>", "1400", 0.0), // no normalisation by default
        Arguments.of("<answer>a</answer><answer>7</answer>", "7", 2.0), // the last <answer>
        Arguments.of("<answer>7", "7", 2.0), // no closing tag
        Arguments.of("7</answer>", "7", 2.0), // no opening tag
        Arguments.of("<answer>Seven</answer>", "seven", 0.0), // case-sensitive
        Arguments.of("<answer>\n1\n2\n</answer>", "12", 2.0), // newlines removed, not spaced
        Arguments.of("<answer>1\t2</answer>", "1 2", 2.0), // tab becomes a space
        Arguments.of("<answer>1\\n2</answer>", "12", 2.0), // a literal backslash-n is removed
        Arguments.of("<answer>a   b</answer>", "a b", 2.0), // whitespace runs collapse
        Arguments.of("<answer></answer>", "", 2.0),
        Arguments.of("<answer>7</answer>", " 7", 0.0), // the ground truth is not stripped
        Arguments.of("<answer>\u00a07\u3000</answer>", "7", 2.0), // Python strips NBSP, ideographic
        Arguments.of("<answer>1\r\n</answer>", "1", 2.0),
        Arguments.of("<answer>7</answer> trailing <answer>8", "8", 2.0));
  }

  @ParameterizedTest
  @MethodSource("exactMatchTable")
  void exactMatchMatchesFaiRl(String completion, String answer, double expected) {
    assertEquals(expected, one(Rewards.exactMatch(), completion, answer), 0.0);
  }

  static Stream<Arguments> digitTable() {
    return Stream.of(
        Arguments.of("<answer>42</answer>", 0.5),
        Arguments.of("<answer>-42</answer>", 0.0),
        Arguments.of("<answer>4.2</answer>", 0.0),
        Arguments.of("<answer>1,000</answer>", 0.0),
        Arguments.of("<answer></answer>", 0.0), // "".isdigit() is False
        Arguments.of("<answer>\u00b2</answer>", 0.5), // superscript two: Python isdigit
        Arguments.of("<answer>\u0661\u0662</answer>", 0.5), // Arabic-Indic digits
        Arguments.of("<answer> 4 2 </answer>", 0.0),
        Arguments.of("42", 0.5),
        Arguments.of("<answer>0042</answer>", 0.5),
        Arguments.of("<answer>+4</answer>", 0.0),
        Arguments.of("<answer>\u00bd</answer>", 0.0), // one half: numeric, not a digit
        Arguments.of("<answer>\u2469</answer>", 0.0), // circled ten
        Arguments.of("<answer>\u2460</answer>", 0.5)); // circled one
  }

  @ParameterizedTest
  @MethodSource("digitTable")
  void digitMatchesFaiRl(String completion, double expected) {
    assertEquals(expected, one(Rewards.digit(), completion, "unused"), 0.0);
  }

  static Stream<Arguments> xmlTable() {
    return Stream.of(
        Arguments.of("<think>a</think><answer>7</answer>", 0.5),
        Arguments.of("<think>a</think>\n<answer>7</answer>\n", 0.499),
        Arguments.of("<answer>7</answer>abc", 0.247),
        Arguments.of("", 0.0),
        Arguments.of("<think><think></think><answer>1</answer>", 0.375),
        Arguments.of("<answer>1</answer></answer>", 0.125), // two closes: no tail penalty
        Arguments.of("</answer>\u00e9\u00e9\u00e9", 0.122),
        Arguments.of("x</answer>" + "y".repeat(1000), -0.875), // can go negative
        Arguments.of("</answer>7<answer></think>a<think>", 0.475), // order is not checked
        Arguments.of("<answer>\ud83d\ude00</answer>\ud83d\ude00\ud83d\ude00", 0.248)); // code pts
  }

  @ParameterizedTest
  @MethodSource("xmlTable")
  void structuredXmlMatchesFaiRl(String completion, double expected) {
    assertEquals(expected, one(Rewards.structuredXml(), completion, "unused"), 1e-12);
  }

  static Stream<Arguments> normalisedTable() {
    return Stream.of(
        Arguments.of("<answer>1,000</answer>", "1000", 2.0),
        Arguments.of("<answer>$18</answer>", "18", 2.0),
        Arguments.of("<answer>18.0</answer>", "18", 2.0),
        Arguments.of("<answer>18.</answer>", "18", 2.0),
        Arguments.of("<answer>18.50</answer>", "18.5", 2.0),
        Arguments.of("<answer>-$5</answer>", "-5", 2.0),
        Arguments.of("<answer>-0</answer>", "0", 2.0),
        Arguments.of("<answer>1,400</answer>", "1,400", 2.0),
        Arguments.of("<answer>1,40</answer>", "140", 0.0), // malformed grouping stays text
        Arguments.of("<answer>18</answer>", "19", 0.0),
        Arguments.of("<answer>eighteen</answer>", "eighteen", 2.0), // text: compared as is
        Arguments.of("<answer>0.1</answer>", ".1", 2.0));
  }

  @ParameterizedTest
  @MethodSource("normalisedTable")
  void numericNormalisationIsOptIn(String completion, String answer, double expected) {
    assertEquals(expected, one(Rewards.exactMatch(true), completion, answer), 0.0);
  }

  @Test
  void defaultSetIsFaiRlsThreeInOrder() {
    RewardSet set = RewardConfig.defaults().build(null);
    assertEquals(List.of("exact_match", "structured_xml", "digit"), set.names());
    RewardScores s =
        set.score(
            List.of("p", "p"),
            List.of("<think>7 is prime</think><answer>7</answer>", "<answer>8</answer>"),
            List.of(Map.of("answer", "7"), Map.of("answer", "7")));
    assertEquals(2.0 + 0.5 + 0.5, s.total()[0], 1e-12);
    assertEquals(0.0 + 0.25 + 0.5, s.total()[1], 1e-12);
    assertEquals(1.0, s.mean(0), 1e-12);
    assertEquals(Math.sqrt(2.0), s.std(0), 1e-12); // unbiased std of {2, 0}
  }

  @Test
  void weightsCombineLinearly() {
    RewardSet set =
        new RewardConfig(List.of("exact_match", "digit"), List.of(0.5, 4.0), false, null, null)
            .build(null);
    RewardScores s =
        set.score(List.of("p"), List.of("<answer>7</answer>"), List.of(Map.of("answer", "7")));
    assertEquals(0.5 * 2.0 + 4.0 * 0.5, s.total()[0], 1e-12);
  }

  @Test
  void weightCountMismatchNamesTheFunctions() {
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                new RewardConfig(List.of("exact_match", "digit"), List.of(1.0), false, null, null)
                    .build(null));
    assertEquals(
        "reward_weights has 1 entries for 2 reward functions [exact_match, digit]; give one weight"
            + " per function, in the same order",
        e.getMessage());
  }

  @Test
  void unknownRewardNameTeachesTheAlternatives() {
    var e = assertThrows(IllegalArgumentException.class, () -> Rewards.byName("accuracy", false));
    assertTrue(e.getMessage().contains("unknown reward 'accuracy'"), e.getMessage());
    assertTrue(e.getMessage().contains("exact_match, structured_xml, digit"), e.getMessage());
  }

  @Test
  void faiRlFunctionNamesAreAliases() {
    assertEquals("exact_match", Rewards.byName("exact_match_reward_func", false).name());
    assertEquals("structured_xml", Rewards.byName("structured_xml_reward_func", false).name());
    assertEquals("digit", Rewards.byName("digit_reward_func", false).name());
    assertEquals(
        "exact_match",
        Rewards.local(
                new LocalRewardConfig(
                    "trainers.rewards.accuracy_rewards:exact_match_reward_func", null),
                null)
            .name());
  }

  @Test
  void nanIsReportedWithTheSample() {
    RewardFunction nanOnSecond =
        Rewards.named(
            "flaky",
            (p, c, cols) -> new double[] {1.0, c.get(1).contains("bad") ? Double.NaN : 0.0});
    RewardSet set = RewardSet.of(List.of(nanOnSecond));
    var e =
        assertThrows(
            RewardException.class,
            () ->
                set.score(
                    List.of("q0", "q1"),
                    List.of("fine", "bad\nthing"),
                    List.of(Map.of("answer", "1"), Map.of("answer", "2"))));
    assertEquals(
        "reward 'flaky' returned NaN on sample 1: prompt=\"q1\", completion=\"bad\\nthing\","
            + " columns={answer=2}; rewards must be finite numbers",
        e.getMessage());
    assertEquals(1, e.sampleIndex());
  }

  @Test
  void throwingRewardIsReportedWithTheSampleThatCausesIt() {
    RewardFunction picky =
        Rewards.named(
            "picky",
            (p, c, cols) -> {
              double[] out = new double[c.size()];
              for (int i = 0; i < out.length; i++) {
                out[i] = Integer.parseInt(c.get(i));
              }
              return out;
            });
    var e =
        assertThrows(
            RewardException.class,
            () ->
                RewardSet.of(List.of(picky))
                    .score(
                        List.of("a", "b", "c"),
                        List.of("1", "2", "x3"),
                        List.of(Map.of(), Map.of(), Map.of())));
    assertEquals(2, e.sampleIndex());
    assertTrue(e.getMessage().startsWith("reward 'picky' threw NumberFormatException"));
    assertTrue(e.getMessage().endsWith("on sample 2: prompt=\"c\", completion=\"x3\", columns={}"));
  }

  @Test
  void missingAnswerColumnSaysWhichKeyToSet() {
    var e =
        assertThrows(
            RewardException.class,
            () ->
                RewardSet.of(List.of(Rewards.exactMatch()))
                    .score(List.of("p"), List.of("7"), List.of(Map.of("solution", "7"))));
    assertTrue(e.getMessage().contains("needs an 'answer' column"), e.getMessage());
    assertTrue(e.getMessage().contains("answer_column"), e.getMessage());
  }

  @Test
  void duplicateNamesGetSuffixes() {
    RewardSet set = RewardSet.of(List.of(Rewards.digit(), Rewards.digit()));
    assertEquals(List.of("digit", "digit_2"), set.names());
  }
}
