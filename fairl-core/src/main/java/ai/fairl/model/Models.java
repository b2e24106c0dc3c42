package ai.fairl.model;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.fairl.hub.ModelSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Loads a model (and its tokenizer) from a source string:
 *
 * <ul>
 *   <li>{@code tiny:llama}, {@code tiny:qwen2}, {@code tiny:qwen3}, {@code tiny:mistral}: a tiny
 *       model with seeded random weights (hidden 64, 2 layers) and the project's character-level
 *       tokenizer over {@link #TINY_ALPHABET}; fully offline;
 *   <li>a local directory with config.json, safetensors weights and optionally tokenizer.json;
 *   <li>a Hugging Face Hub id ({@code org/name} or {@code org/name@revision}) through the Hub
 *       cache.
 * </ul>
 */
public final class Models {
  /** The alphabet of the tiny models' tokenizer: printable ASCII plus newline. */
  public static final String TINY_ALPHABET;

  static {
    StringBuilder sb = new StringBuilder("\n");
    for (char c = 32; c < 127; c++) {
      sb.append(c);
    }
    TINY_ALPHABET = sb.toString();
  }

  private Models() {}

  /**
   * A model with its tokenizer; closing it closes both.
   *
   * @param model the model
   * @param tokenizer its tokenizer, or null when the source has none
   * @param directory where it was loaded from, or null for {@code tiny:} models
   */
  public record Loaded(TransformerModel model, Tokenizer tokenizer, Path directory)
      implements AutoCloseable {
    @Override
    public void close() {
      model.close();
      if (tokenizer != null) {
        tokenizer.close();
      }
    }
  }

  /**
   * Loads {@code source} (see the class comment).
   *
   * @param dtype requested dtype (bf16 on a CPU falls back to fp32 with a notice)
   * @param seed initialisation seed for {@code tiny:} models
   */
  public static Loaded load(String source, NDManager manager, DataType dtype, long seed) {
    if (source.startsWith("tiny:")) {
      String family = source.substring(5).toLowerCase(Locale.ROOT);
      Tokenizer tok = Tokenizers.charLevel(TINY_ALPHABET);
      TransformerConfig c = tinyConfig(family);
      return new Loaded(TransformerModel.create(c, manager, dtype, seed), tok, null);
    }
    Path dir = ModelSource.resolve(source);
    TransformerModel model = TransformerModel.load(dir, manager, dtype);
    Tokenizer tok = Files.isRegularFile(dir.resolve("tokenizer.json")) ? Tokenizer.load(dir) : null;
    return new Loaded(model, tok, dir);
  }

  /** The config of a {@code tiny:<family>} model (vocabulary of the tiny character tokenizer). */
  public static TransformerConfig tinyConfig(String family) {
    int vocab = Tokenizers.charLevelVocabSize(TINY_ALPHABET);
    TransformerConfig c = TransformerConfig.tiny(family, vocab);
    // ids of the char tokenizer's specials: <pad>=0, <s>=1, </s>=2
    return new TransformerConfig(
        c.architecture(),
        c.modelType(),
        c.vocabSize(),
        c.hiddenSize(),
        c.intermediateSize(),
        c.numLayers(),
        c.numHeads(),
        c.numKvHeads(),
        c.headDim(),
        c.ropeTheta(),
        c.ropeScaling(),
        c.rmsNormEps(),
        c.maxPositionEmbeddings(),
        c.tieWordEmbeddings(),
        c.attentionBias(),
        c.qkNorm(),
        c.slidingWindow(),
        c.numLabels(),
        c.initializerRange(),
        1,
        List.of(2),
        0,
        c.torchDtype());
  }

  /** Saves a model and tokenizer as a directory transformers can load. */
  public static void save(Loaded loaded, Path dir) {
    loaded.model().save(dir);
    if (loaded.tokenizer() != null) {
      loaded.tokenizer().save(dir);
    }
  }
}
