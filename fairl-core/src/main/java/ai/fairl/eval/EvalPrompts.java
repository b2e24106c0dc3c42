/*
 * Evaluation prompts. The lm-evaluation-harness ones are reproduced character for character:
 *  MMLU (lm_eval/tasks/mmlu/default/_default_template_yaml and the per-subject description):
 *    "The following are multiple choice questions (with answers) about <subject>.\n\n"
 *    then each shot "<question>\nA. <c0>\nB. <c1>\nC. <c2>\nD. <c3>\nAnswer: <letter>\n\n"
 *    then "<question>\nA. ...\nD. <c3>\nAnswer:"; the continuations scored are " A" .. " D".
 *    Shots are the first k of the dev split (fewshot sampler first_n), the question stripped.
 *  GSM8K (lm_eval/tasks/gsm8k/gsm8k.yaml): "Question: <q>\nAnswer:", shots
 *    "Question: <q>\nAnswer: <solution>\n\n" from the first k of train.
 * FAI-RL's own prompt is the recipe's system_prompt template ({question}, {choices} as "A. ...").
 */
package ai.fairl.eval;

import java.util.List;

/** Builds MMLU and GSM8K prompts. */
public final class EvalPrompts {
  private static final String LABELS = "ABCDEFGHIJ";

  private EvalPrompts() {}

  /** The harness's description line for a subject, with its blank line. */
  public static String mmluDescription(String subject) {
    return "The following are multiple choice questions (with answers) about "
        + MmluSubjects.display(subject)
        + ".\n\n";
  }

  /** A question with its choices and "Answer:", without the answer. */
  public static String mmluQuestion(MmluQuestion q) {
    StringBuilder sb = new StringBuilder(q.question().strip()).append('\n');
    for (int i = 0; i < q.choices().size(); i++) {
      sb.append(LABELS.charAt(i)).append(". ").append(q.choices().get(i)).append('\n');
    }
    return sb.append("Answer:").toString();
  }

  /** The full harness prompt: description, the shots with their answers, then the question. */
  public static String mmlu(MmluQuestion q, List<MmluQuestion> shots) {
    StringBuilder sb = new StringBuilder(mmluDescription(q.subject()));
    for (MmluQuestion s : shots) {
      sb.append(mmluQuestion(s)).append(' ').append(LABELS.charAt(s.answer())).append("\n\n");
    }
    return sb.append(mmluQuestion(q)).toString();
  }

  /** The continuations the log-likelihood mode compares: " A", " B", ... */
  public static List<String> mmluContinuations(int choices) {
    return LABELS.substring(0, choices).chars().mapToObj(c -> " " + (char) c).toList();
  }

  /** The harness's GSM8K prompt with k shots. */
  public static String gsm8k(Gsm8kQuestion q, List<Gsm8kQuestion> shots) {
    StringBuilder sb = new StringBuilder();
    for (Gsm8kQuestion s : shots) {
      sb.append("Question: ")
          .append(s.question())
          .append("\nAnswer: ")
          .append(s.solution())
          .append("\n\n");
    }
    return sb.append("Question: ").append(q.question()).append("\nAnswer:").toString();
  }
}
