package ai.fairl.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The extraction ladders on tricky model outputs; an empty expectation means "no answer". */
class AnswerExtractionTest {
  private static final ChoiceExtractor MMLU = new ChoiceExtractor(List.of("A", "B", "C", "D"));

  @ParameterizedTest(name = "[{index}] {0} -> {1}")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '`',
      value = {
        "{\"answer\": \"B\"}|B",
        "```json\n{\n  \"answer\": \"d\"\n}\n```|D",
        "{'answer': 'C. Paris'}|C",
        "The answer is (C)|C",
        "The answer is C.|C",
        "the correct answer is: **B**|B",
        "I think the best option is D because it is the only one.|D",
        "Answer: A|A",
        "Answer:C|C",
        "Option B is the correct answer.|B",
        "The answer is option C|C",
        "The final answer should be A|A",
        "Choice D is correct|D",
        "B|B",
        "B.|B",
        "(B) 42|B",
        "C) the mitochondria|C",
        "  d  |D",
        "The answer is because of gravity.|",
        "A cat sat on the mat.|",
        "A, B or C could all be argued.|",
        "I cannot decide between the options.|",
        "`   `|",
        "``|",
        "Let me think. Answer: B. Actually the answer is C.|C",
        "Choices A and B are wrong; the answer is D.|D",
        "The answer is E|",
        "[C]|C",
        "**A**|A",
        "The answer is An apple.|",
      })
  void mmluLadder(String response, String expected) {
    assertEquals(Optional.ofNullable(expected), MMLU.extract(response));
  }

  @ParameterizedTest(name = "[{index}] {0} -> {1}")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '`',
      value = {
        "{\"answer\": \"18\"}|18",
        "{\"answer\": 72}|72",
        "`{\"answer\": \"$1,000\"}`|1000",
        "`She makes 9 * 2 = $18 every day.\n#### 18`|18",
        "The answer is $18.00.|18",
        "The answer is 18 because 9 * 2 = 18 and 2 is the count.|18",
        "Final answer: 1,000|1000",
        "The final answer is -5.|-5",
        "The answer is 0.5|0.5",
        "The answer is 1/4 of the cake|0.25",
        "So she has 3.50 dollars left.|3.5",
        "First 3 + 4 = 7, then 7 * 2 = 14.|14",
        "There are 007 agents.|7",
        "The result is 12.|12",
        "I do not know.|",
        "`   `|",
        "answer is -0|0",
        "It costs .5 dollars|0.5",
        "#### 1,234,567|1234567",
        "The answer is 2/3|0.6666666666666667",
      })
  void gsm8kLadder(String response, String expected) {
    assertEquals(Optional.ofNullable(expected), NumberExtractor.extract(response));
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "Janet sells 16 - 3 - 4 = <<16-3-4=9>>9 duck eggs a day.\\n#### 18|18",
        "#### 1,000|1000",
        "so -3 in total #### -3|-3",
      })
  void gsm8kGroundTruth(String answer, String expected) {
    assertEquals(Optional.of(expected), NumberExtractor.groundTruth(answer.replace("\\n", "\n")));
  }

  @ParameterizedTest
  @CsvSource({"0,A", "3,D", "C,C", "c,C", "2.0,C"})
  void mmluGroundTruth(String value, String expected) {
    assertEquals(Optional.of(expected), MMLU.groundTruth(value));
  }

  @ParameterizedTest
  @CsvSource({"4", "E", "x", "-1"})
  void mmluGroundTruthInvalid(String value) {
    assertEquals(Optional.empty(), MMLU.groundTruth(value));
  }
}
