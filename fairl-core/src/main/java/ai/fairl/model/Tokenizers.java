package ai.fairl.model;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Tokenizers the project builds itself, fully offline: {@link #charLevel} writes a Hugging Face
 * {@code tokenizer.json} (WordLevel model over single characters, a Split pre-tokenizer that
 * isolates every character, and a Fuse decoder), so it also loads in Python's tokenizers and
 * transformers.
 */
public final class Tokenizers {
  /** Special tokens of {@link #charLevel}, at ids 0..3. */
  public static final String PAD = "<pad>", BOS = "<s>", EOS = "</s>", UNK = "<unk>";

  private Tokenizers() {}

  /**
   * A character-level tokenizer: ids 0..3 are {@code <pad> <s> </s> <unk>}, then one id per
   * distinct character of {@code alphabet} in order of first appearance. Characters outside the
   * alphabet encode as {@code <unk>}.
   */
  public static Tokenizer charLevel(String alphabet) {
    Set<String> chars = new LinkedHashSet<>();
    alphabet.codePoints().forEach(cp -> chars.add(new String(Character.toChars(cp))));
    JsonObject vocab = new JsonObject();
    JsonArray added = new JsonArray();
    String[] specials = {PAD, BOS, EOS, UNK};
    for (int i = 0; i < specials.length; i++) {
      vocab.addProperty(specials[i], i);
      JsonObject t = new JsonObject();
      t.addProperty("id", i);
      t.addProperty("content", specials[i]);
      t.addProperty("single_word", false);
      t.addProperty("lstrip", false);
      t.addProperty("rstrip", false);
      t.addProperty("normalized", false);
      t.addProperty("special", true);
      added.add(t);
    }
    int id = specials.length;
    for (String c : chars) {
      if (!vocab.has(c)) {
        vocab.addProperty(c, id++);
      }
    }
    JsonObject model = new JsonObject();
    model.addProperty("type", "WordLevel");
    model.add("vocab", vocab);
    model.addProperty("unk_token", UNK);
    JsonObject pre = new JsonObject();
    pre.addProperty("type", "Split");
    JsonObject pattern = new JsonObject();
    pattern.addProperty("Regex", "[\\s\\S]");
    pre.add("pattern", pattern);
    pre.addProperty("behavior", "Isolated");
    pre.addProperty("invert", false);
    JsonObject decoder = new JsonObject();
    decoder.addProperty("type", "Fuse");
    JsonObject tok = new JsonObject();
    tok.addProperty("version", "1.0");
    tok.add("truncation", null);
    tok.add("padding", null);
    tok.add("added_tokens", added);
    tok.add("normalizer", null);
    tok.add("pre_tokenizer", pre);
    tok.add("post_processor", null);
    tok.add("decoder", decoder);
    tok.add("model", model);
    JsonObject cfg = new JsonObject();
    cfg.addProperty("tokenizer_class", "PreTrainedTokenizerFast");
    cfg.addProperty("bos_token", BOS);
    cfg.addProperty("eos_token", EOS);
    cfg.addProperty("pad_token", PAD);
    cfg.addProperty("unk_token", UNK);
    cfg.addProperty("model_max_length", 1000000);
    Gson gson = new com.google.gson.GsonBuilder().serializeNulls().create();
    return Tokenizer.fromJson(gson.toJson(tok), gson.toJson(cfg));
  }

  /**
   * Vocabulary size of {@link #charLevel} for {@code alphabet}: 4 specials + distinct characters.
   */
  public static int charLevelVocabSize(String alphabet) {
    return 4 + (int) alphabet.codePoints().distinct().count();
  }
}
