package ai.fairl.generate;

/** Receives tokens as they are generated (streaming to a notebook or console). */
@FunctionalInterface
public interface TokenListener {
  /**
   * @param row the prompt row
   * @param tokenId the token just generated
   * @param textDelta the text this token completed (may be empty while a multi-byte character is
   *     incomplete, or when there is no tokenizer)
   */
  void onToken(int row, long tokenId, String textDelta);
}
