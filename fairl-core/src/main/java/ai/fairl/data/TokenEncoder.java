package ai.fairl.data;

/** What the data pipeline needs from a tokenizer; the model package's tokenizers are adapted. */
public interface TokenEncoder {
  /** Token ids of {@code text} with no special tokens added. */
  long[] encode(String text);

  /** The end-of-sequence id appended to plain-text examples. */
  long eosId();

  /** The id used for padding (often the EOS id). */
  long padId();
}
