package ai.fairl.data;

import ai.fairl.data.ChatRenderer.Message;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Turns preference rows (DPO, reward modelling) into chosen/rejected example pairs, with FAI-RL's
 * column mapping ({@code prompt_column}, {@code chosen_column}, {@code rejected_column}).
 *
 * <p>Strings: {@code prompt + chosen + EOS} and {@code prompt + rejected + EOS}, loss on the
 * completion. Conversations (chosen/rejected are message lists, as in many preference sets): the
 * prompt messages are rendered with the generation header and each completion is the rest of the
 * full render (TRL's behaviour; FAI-RL dropped such rows silently, bug B11). With no prompt column
 * the prompt is the longest common prefix of chosen and rejected (TRL's {@code extract_prompt});
 * FAI-RL used a single space.
 */
public final class PreferenceExamples {
  private PreferenceExamples() {}

  /** A chosen/rejected pair. */
  public record Pair(Example chosen, Example rejected) {}

  /** Pairs that were made, and rows that could not be. */
  public record Result(List<Pair> pairs, List<BadRow> bad) {}

  public static Result build(
      String source,
      List<Map<String, Object>> rows,
      String promptColumn,
      String chosenColumn,
      String rejectedColumn,
      ChatRenderer chat) {
    List<Pair> pairs = new ArrayList<>();
    List<BadRow> bad = new ArrayList<>();
    for (int i = 0; i < rows.size(); i++) {
      try {
        pairs.add(pair(rows.get(i), promptColumn, chosenColumn, rejectedColumn, chat));
      } catch (IllegalArgumentException e) {
        bad.add(new BadRow(source, i, e.getMessage()));
      }
    }
    return new Result(pairs, bad);
  }

  static Pair pair(Map<String, Object> row, String pc, String cc, String rc, ChatRenderer chat) {
    Object chosen = row.get(cc);
    Object rejected = row.get(rc);
    if (chosen == null || rejected == null) {
      throw new IllegalArgumentException(
          "column '"
              + (chosen == null ? cc : rc)
              + "' is missing (columns: "
              + row.keySet()
              + "); set data.datasets[].chosen_column / rejected_column");
    }
    if (chosen instanceof List<?> && rejected instanceof List<?>) {
      List<Message> c = SftExamples.messages(chosen, cc);
      List<Message> r = SftExamples.messages(rejected, rc);
      List<Message> prompt;
      Object p = row.get(pc);
      if (p instanceof List<?>) {
        prompt = SftExamples.messages(p, pc);
      } else if (p instanceof String s && !s.isEmpty()) {
        prompt = List.of(new Message("user", s));
      } else {
        int k = 0;
        while (k < Math.min(c.size(), r.size()) && c.get(k).equals(r.get(k))) {
          k++;
        }
        prompt = c.subList(0, k);
        c = c.subList(k, c.size());
        r = r.subList(k, r.size());
      }
      if (c.isEmpty() || r.isEmpty()) {
        throw new IllegalArgumentException("chosen and rejected conversations are identical");
      }
      if (chat == null) {
        throw new IllegalArgumentException(
            "chosen/rejected are conversations but the tokenizer has no chat template");
      }
      return new Pair(conversation(chat, prompt, c), conversation(chat, prompt, r));
    }
    if (!(chosen instanceof String cs) || !(rejected instanceof String rs)) {
      throw new IllegalArgumentException(
          "chosen and rejected must both be text or both be message lists");
    }
    if (cs.isEmpty() || rs.isEmpty()) {
      throw new IllegalArgumentException((cs.isEmpty() ? "chosen" : "rejected") + " is empty");
    }
    String prompt;
    Object p = row.get(pc);
    if (p instanceof String s) {
      prompt = s;
    } else if (p == null) {
      int k = 0;
      while (k < Math.min(cs.length(), rs.length()) && cs.charAt(k) == rs.charAt(k)) {
        k++;
      }
      if (k > 0 && k <= cs.length() && cs.charAt(k - 1) == ' ') {
        k--;
      }
      prompt = cs.substring(0, k);
      cs = cs.substring(k);
      rs = rs.substring(k);
    } else {
      throw new IllegalArgumentException("column '" + pc + "' must be text");
    }
    return new Pair(
        new Example(List.of(new Segment(prompt, false), new Segment(cs, true)), true),
        new Example(List.of(new Segment(prompt, false), new Segment(rs, true)), true));
  }

  private static Example conversation(
      ChatRenderer chat, List<Message> prompt, List<Message> completion) {
    List<Message> full = new ArrayList<>(prompt);
    full.addAll(completion);
    return SftExamples.promptCompletion(chat, prompt, full);
  }
}
