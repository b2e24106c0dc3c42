package ai.fairl.generate;

import java.util.List;

/**
 * What {@link Generator#generate} returns, one entry per prompt row.
 *
 * @param tokens generated token ids (a stop token that ended the row is included)
 * @param logProbs per generated token: {@code log_softmax(logits)[token]} of the raw model (before
 *     temperature, top-k and top-p), in fp32 precision; this is what the RL trainers recompute
 * @param texts decoded text of the generated tokens (special tokens skipped, cut before a matched
 *     stop string); empty strings when the generator has no tokenizer
 * @param finishReasons why each row ended
 */
public record GenerationResult(
    List<long[]> tokens,
    List<float[]> logProbs,
    List<String> texts,
    List<FinishReason> finishReasons) {

  /** Why a row stopped. */
  public enum FinishReason {
    /** produced a stop token (eos) */
    STOP_TOKEN,
    /** its text contains a stop string */
    STOP_STRING,
    /** reached max_new_tokens */
    LENGTH
  }

  public GenerationResult {
    tokens = List.copyOf(tokens);
    logProbs = List.copyOf(logProbs);
    texts = List.copyOf(texts);
    finishReasons = List.copyOf(finishReasons);
  }
}
