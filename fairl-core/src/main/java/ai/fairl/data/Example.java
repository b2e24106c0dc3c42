package ai.fairl.data;

import java.util.List;

/**
 * One training text before tokenization: its segments, and whether the tokenizer's EOS is appended
 * (plain text and prompt/completion strings, as TRL does; chat-templated text ends with the
 * template's own end-of-turn token instead).
 */
public record Example(List<Segment> segments, boolean appendEos) {
  public Example {
    segments = List.copyOf(segments);
  }

  /** The whole text. */
  public String text() {
    StringBuilder b = new StringBuilder();
    segments.forEach(s -> b.append(s.text()));
    return b.toString();
  }
}
