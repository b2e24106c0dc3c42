package ai.fairl.data;

import ai.fairl.data.ChatRenderer.Message;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns dataset rows into SFT and CPT examples, with FAI-RL's modes (reference §5.1, §5.2):
 *
 * <ul>
 *   <li><b>flat</b> ({@code system_prompt} and {@code dataset_columns} set, no user/assistant
 *       prompts): the whole text is {@code system_prompt.format(**columns)}, trained on every
 *       token, EOS appended;
 *   <li><b>split</b> ({@code user_prompt} and {@code assistant_prompt}): a system turn (if any),
 *       the user turn and the assistant turn through the chat template; loss on the assistant
 *       completion only;
 *   <li><b>pass-through</b>: rows already in TRL's shape, a {@code messages} list (chat template,
 *       loss on assistant turns only), {@code prompt}/{@code completion} strings (loss on the
 *       completion), or a {@code text} column (whole text);
 *   <li><b>cpt</b>: the {@code text_column} as plain text.
 * </ul>
 *
 * Fixed against FAI-RL: a template placeholder without a column is a bad row reported with its
 * index (FAI-RL warned and trained on the literal template); empty rows are reported, not dropped
 * silently. Without a chat template, split mode renders {@code system\n\nuser\n} as the prompt and
 * {@code assistant} plus EOS as the completion (said in the run's log).
 */
public final class SftExamples {
  private SftExamples() {}

  /**
   * The data section's prompt settings (FAI-RL keys).
   *
   * @param systemPrompt flat-mode template, or the split-mode system turn
   * @param userPrompt split-mode user template (set both or neither)
   * @param assistantPrompt split-mode assistant template
   * @param datasetColumns placeholders available to the templates; null: every column
   */
  public record Settings(
      String systemPrompt, String userPrompt, String assistantPrompt, List<String> datasetColumns) {
    public Settings {
      if ((userPrompt == null) != (assistantPrompt == null)) {
        throw new IllegalArgumentException(
            "data.user_prompt and data.assistant_prompt must be set together (split mode) or"
                + " both left out");
      }
      datasetColumns = datasetColumns == null ? null : List.copyOf(datasetColumns);
    }

    public boolean split() {
      return userPrompt != null;
    }

    public boolean flat() {
      return !split() && systemPrompt != null && datasetColumns != null;
    }
  }

  /** Examples that were made, and rows that could not be. */
  public record Result(List<Example> examples, List<BadRow> bad) {}

  /** SFT examples from one dataset's rows. {@code chat} may be null when no row needs it. */
  public static Result sft(
      String source, List<Map<String, Object>> rows, Settings s, ChatRenderer chat) {
    List<Example> out = new ArrayList<>();
    List<BadRow> bad = new ArrayList<>();
    for (int i = 0; i < rows.size(); i++) {
      Map<String, Object> row = rows.get(i);
      try {
        Example e;
        if (s.split()) {
          e = split(row, s, chat);
        } else if (s.flat()) {
          String text = PromptFormat.format(s.systemPrompt(), columns(row, s.datasetColumns()));
          e = text(text);
        } else {
          e = passThrough(row, chat);
        }
        out.add(e);
      } catch (IllegalArgumentException ex) {
        bad.add(new BadRow(source, i, ex.getMessage()));
      }
    }
    return new Result(out, bad);
  }

  /** CPT examples: the {@code textColumn} of each row as plain text. */
  public static Result cpt(String source, List<Map<String, Object>> rows, String textColumn) {
    List<Example> out = new ArrayList<>();
    List<BadRow> bad = new ArrayList<>();
    if (!rows.isEmpty() && rows.stream().noneMatch(r -> r.containsKey(textColumn))) {
      throw new IllegalArgumentException(
          source
              + " has no column '"
              + textColumn
              + "' (columns: "
              + rows.get(0).keySet()
              + "); set data.datasets[].text_column");
    }
    for (int i = 0; i < rows.size(); i++) {
      try {
        out.add(text(string(rows.get(i), textColumn)));
      } catch (IllegalArgumentException ex) {
        bad.add(new BadRow(source, i, ex.getMessage()));
      }
    }
    return new Result(out, bad);
  }

  private static Map<String, Object> columns(Map<String, Object> row, List<String> keep) {
    if (keep == null) {
      return row;
    }
    Map<String, Object> m = new LinkedHashMap<>();
    for (String c : keep) {
      if (row.containsKey(c)) {
        m.put(c, row.get(c));
      }
    }
    return m;
  }

  private static Example text(String text) {
    if (text.isEmpty()) {
      throw new IllegalArgumentException("the text is empty");
    }
    return new Example(List.of(new Segment(text, true)), true);
  }

  private static Example split(Map<String, Object> row, Settings s, ChatRenderer chat) {
    Map<String, Object> vals = columns(row, s.datasetColumns());
    String user = PromptFormat.format(s.userPrompt(), vals);
    String assistant = PromptFormat.format(s.assistantPrompt(), vals);
    if (user.isEmpty() || assistant.isEmpty()) {
      throw new IllegalArgumentException(
          (user.isEmpty() ? "the user" : "the assistant") + " text is empty");
    }
    List<Message> prompt = new ArrayList<>();
    if (s.systemPrompt() != null && !s.systemPrompt().isEmpty()) {
      prompt.add(new Message("system", PromptFormat.format(s.systemPrompt(), vals)));
    }
    prompt.add(new Message("user", user));
    if (chat == null) {
      StringBuilder p = new StringBuilder();
      if (prompt.size() == 2) {
        p.append(prompt.get(0).content()).append("\n\n");
      }
      p.append(user).append("\n");
      return new Example(
          List.of(new Segment(p.toString(), false), new Segment(assistant, true)), true);
    }
    List<Message> full = new ArrayList<>(prompt);
    full.add(new Message("assistant", assistant));
    return promptCompletion(chat, prompt, full);
  }

  /** Prompt rendered with the generation header, completion = the rest of the full render. */
  static Example promptCompletion(ChatRenderer chat, List<Message> prompt, List<Message> full) {
    String p = chat.render(prompt, true);
    String f = chat.render(full, false);
    if (!f.startsWith(p)) {
      throw new IllegalArgumentException(
          "the chat template does not render the prompt as a prefix of the conversation;"
              + " cannot tell the completion apart");
    }
    return new Example(
        List.of(new Segment(p, false), new Segment(f.substring(p.length()), true)), false);
  }

  private static Example passThrough(Map<String, Object> row, ChatRenderer chat) {
    if (row.containsKey("messages")) {
      return chatExample(messages(row.get("messages"), "messages"), chat);
    }
    if (row.containsKey("prompt") && row.containsKey("completion")) {
      String p = string(row, "prompt");
      String c = string(row, "completion");
      return new Example(List.of(new Segment(p, false), new Segment(c, true)), true);
    }
    if (row.containsKey("text")) {
      return text(string(row, "text"));
    }
    throw new IllegalArgumentException(
        "the row has none of text, messages or prompt/completion (columns: "
            + row.keySet()
            + "); set data.system_prompt with dataset_columns (flat mode) or"
            + " user_prompt/assistant_prompt (split mode)");
  }

  /**
   * A conversation with loss on every assistant turn. The whole conversation is rendered once;
   * assistant turn {@code i} starts where the render of the turns before it with the generation
   * header ends, and runs to the end of its content plus the template's end-of-turn token. This
   * works for templates that rewrite history (Qwen3 drops earlier think blocks), where rendering
   * prefix by prefix would not.
   */
  static Example chatExample(List<Message> messages, ChatRenderer chat) {
    if (chat == null) {
      throw new IllegalArgumentException(
          "the row has a messages list but the tokenizer has no chat template");
    }
    if (messages.stream().noneMatch(m -> m.role().equals("assistant"))) {
      throw new IllegalArgumentException("the conversation has no assistant turn to train on");
    }
    String full = chat.render(messages, false);
    String eot = chat.endOfTurn();
    List<Segment> segs = new ArrayList<>();
    int pos = 0;
    for (int i = 0; i < messages.size(); i++) {
      if (!messages.get(i).role().equals("assistant")) {
        continue;
      }
      String before = chat.render(messages.subList(0, i), true);
      String content = messages.get(i).content();
      int idx = full.indexOf(content, before.length());
      if (!full.startsWith(before) || before.length() < pos || idx < 0) {
        throw new IllegalArgumentException(
            "the chat template does not render assistant turn "
                + i
                + " after the generation header of the turns before it; cannot find the"
                + " assistant text");
      }
      int end = idx + content.length();
      if (!eot.isEmpty() && full.startsWith(eot, end)) {
        end += eot.length();
      }
      if (before.length() > pos) {
        segs.add(new Segment(full.substring(pos, before.length()), false));
      }
      segs.add(new Segment(full.substring(before.length(), end), true));
      pos = end;
    }
    if (pos < full.length()) {
      segs.add(new Segment(full.substring(pos), false));
    }
    return new Example(segs, false);
  }

  static String string(Map<String, Object> row, String column) {
    Object v = row.get(column);
    if (v == null) {
      throw new IllegalArgumentException("column '" + column + "' is missing or null");
    }
    if (!(v instanceof String s)) {
      throw new IllegalArgumentException(
          "column '" + column + "' is a " + v.getClass().getSimpleName() + ", expected text");
    }
    if (s.isEmpty()) {
      throw new IllegalArgumentException("column '" + column + "' is empty");
    }
    return s;
  }

  /** A list of {role, content} maps, as JSON datasets store conversations. */
  static List<Message> messages(Object v, String column) {
    if (!(v instanceof List<?> list)) {
      throw new IllegalArgumentException("column '" + column + "' is not a list of messages");
    }
    List<Message> out = new ArrayList<>();
    for (Object o : list) {
      if (!(o instanceof Map<?, ?> m) || !(m.get("role") instanceof String role)) {
        throw new IllegalArgumentException(
            "column '" + column + "' has an entry without a role: " + o);
      }
      Object content = m.get("content");
      out.add(new Message(role, content == null ? "" : String.valueOf(content)));
    }
    return out;
  }
}
