package ai.fairl.data;

/**
 * A piece of an example's text and whether the loss covers it (completion and assistant text yes,
 * prompts and user turns no). Segments are tokenized one by one and concatenated, as TRL tokenizes
 * prompt and completion separately.
 */
public record Segment(String text, boolean trained) {}
