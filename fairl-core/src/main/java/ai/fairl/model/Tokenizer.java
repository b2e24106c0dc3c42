package ai.fairl.model;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A Hugging Face tokenizer ({@code tokenizer.json} through DJL's Rust binding, fully offline) with
 * the special tokens and chat template of {@code tokenizer_config.json}.
 */
public final class Tokenizer implements AutoCloseable {
  private final HuggingFaceTokenizer hf;
  private final byte[] tokenizerJson;
  private final JsonObject tokenizerConfig; // may be empty
  private final String bosToken;
  private final String eosToken;
  private final String padToken;
  private final String unkToken;
  private final long bosId;
  private final List<Long> eosIds;
  private final long padId;
  private final ChatTemplate chatTemplate; // null when the tokenizer has none
  private final Map<String, ChatTemplate> namedTemplates;

  private Tokenizer(byte[] tokenizerJson, JsonObject config, String where) {
    this.tokenizerJson = tokenizerJson;
    this.tokenizerConfig = config;
    Map<String, String> opts = new LinkedHashMap<>();
    opts.put("addSpecialTokens", "false");
    opts.put("truncation", "false");
    opts.put("padding", "false");
    opts.put("maxLength", "1000000");
    try {
      this.hf = HuggingFaceTokenizer.newInstance(new ByteArrayInputStream(tokenizerJson), opts);
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException(
          "cannot load tokenizer " + where + ": " + e.getMessage(), e);
    }
    this.bosToken = special(config, "bos_token");
    this.eosToken = special(config, "eos_token");
    this.padToken = special(config, "pad_token");
    this.unkToken = special(config, "unk_token");
    this.bosId = bosToken == null ? -1 : tokenId(bosToken);
    this.eosIds =
        eosToken == null || tokenId(eosToken) < 0 ? List.of() : List.of(tokenId(eosToken));
    this.padId = padToken == null ? -1 : tokenId(padToken);
    Map<String, ChatTemplate> named = new LinkedHashMap<>();
    ChatTemplate dflt = null;
    JsonElement ct = config.get("chat_template");
    if (ct != null && ct.isJsonPrimitive()) {
      dflt = ChatTemplate.parse(ct.getAsString());
    } else if (ct != null && ct.isJsonArray()) {
      for (JsonElement e : ct.getAsJsonArray()) {
        JsonObject o = e.getAsJsonObject();
        ChatTemplate t = ChatTemplate.parse(o.get("template").getAsString());
        named.put(o.get("name").getAsString(), t);
      }
      dflt = named.get("default");
    }
    this.chatTemplate = dflt;
    this.namedTemplates = Map.copyOf(named);
  }

  private static String special(JsonObject config, String key) {
    JsonElement e = config.get(key);
    if (e == null || e.isJsonNull()) {
      return null;
    }
    if (e.isJsonObject()) {
      return e.getAsJsonObject().get("content").getAsString();
    }
    return e.getAsString();
  }

  /**
   * Loads {@code dir/tokenizer.json} and, when present, {@code dir/tokenizer_config.json} (special
   * tokens, chat template).
   */
  public static Tokenizer load(Path dir) {
    Path json = dir.resolve("tokenizer.json");
    if (!Files.isRegularFile(json)) {
      throw new IllegalArgumentException(
          "no tokenizer.json in "
              + dir
              + "; FAI-RL for Java reads fast (tokenizer.json) tokenizers only."
              + " Convert a slow tokenizer once with Python: AutoTokenizer.from_pretrained(dir).save_pretrained(dir)");
    }
    try {
      byte[] bytes = Files.readAllBytes(json);
      Path cfg = dir.resolve("tokenizer_config.json");
      JsonObject config = new JsonObject();
      if (Files.isRegularFile(cfg)) {
        try {
          config =
              JsonParser.parseString(Files.readString(cfg, StandardCharsets.UTF_8))
                  .getAsJsonObject();
        } catch (RuntimeException e) {
          throw new IllegalArgumentException(cfg + " is not a JSON object: " + e.getMessage(), e);
        }
      }
      Path jinja = dir.resolve("chat_template.jinja"); // transformers >= 4.43 saves it apart
      if (!config.has("chat_template") && Files.isRegularFile(jinja)) {
        config.addProperty("chat_template", Files.readString(jinja, StandardCharsets.UTF_8));
      }
      return new Tokenizer(bytes, config, json.toString());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + json, e);
    }
  }

  /** Builds a tokenizer from in-memory tokenizer.json and tokenizer_config.json texts. */
  public static Tokenizer fromJson(String tokenizerJson, String tokenizerConfigJson) {
    JsonObject cfg =
        tokenizerConfigJson == null
            ? new JsonObject()
            : JsonParser.parseString(tokenizerConfigJson).getAsJsonObject();
    return new Tokenizer(tokenizerJson.getBytes(StandardCharsets.UTF_8), cfg, "(in memory)");
  }

  /** Writes tokenizer.json and tokenizer_config.json into {@code dir}. */
  public void save(Path dir) {
    try {
      Files.createDirectories(dir);
      Files.write(dir.resolve("tokenizer.json"), tokenizerJson);
      Files.writeString(
          dir.resolve("tokenizer_config.json"),
          new com.google.gson.GsonBuilder().setPrettyPrinting().create().toJson(tokenizerConfig),
          StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot save the tokenizer to " + dir, e);
    }
  }

  /** Token ids of {@code text}; {@code addSpecialTokens} applies the post-processor (e.g. bos). */
  public long[] encode(String text, boolean addSpecialTokens) {
    return hf.encode(text, addSpecialTokens, false).getIds();
  }

  public String decode(long[] ids, boolean skipSpecialTokens) {
    return hf.decode(ids, skipSpecialTokens);
  }

  /** The id of a single token (e.g. {@code <|im_end|>}), or -1 when it is not one token. */
  public long tokenId(String token) {
    long[] ids = hf.encode(token, false, false).getIds();
    return ids.length == 1 ? ids[0] : -1;
  }

  public long bosTokenId() {
    return bosId;
  }

  public List<Long> eosTokenIds() {
    return eosIds;
  }

  /** The pad id, or -1 when tokenizer_config.json names none. */
  public long padTokenId() {
    return padId;
  }

  public String bosToken() {
    return bosToken;
  }

  public String eosToken() {
    return eosToken;
  }

  public String padToken() {
    return padToken;
  }

  public String unkToken() {
    return unkToken;
  }

  /** The default chat template, or null. */
  public ChatTemplate chatTemplate() {
    return chatTemplate;
  }

  /** Named templates (e.g. {@code tool_use}) when tokenizer_config.json lists several. */
  public Map<String, ChatTemplate> namedChatTemplates() {
    return namedTemplates;
  }

  /**
   * Renders the chat template as transformers' {@code apply_chat_template(..., tokenize=False)}:
   * with {@code messages}, {@code add_generation_prompt}, the special tokens and any {@code extra}
   * variables (e.g. {@code tools}, {@code enable_thinking}).
   */
  public String applyChatTemplate(
      List<Map<String, Object>> messages, boolean addGenerationPrompt, Map<String, Object> extra) {
    if (chatTemplate == null) {
      throw new IllegalStateException(
          "this tokenizer has no chat_template in tokenizer_config.json; format the prompt yourself or add one");
    }
    Map<String, Object> vars = new LinkedHashMap<>();
    vars.put("messages", messages);
    vars.put("add_generation_prompt", addGenerationPrompt);
    vars.put("bos_token", bosToken == null ? "" : bosToken);
    vars.put("eos_token", eosToken == null ? "" : eosToken);
    vars.put("pad_token", padToken == null ? "" : padToken);
    vars.put("unk_token", unkToken == null ? "" : unkToken);
    vars.putAll(extra);
    return chatTemplate.render(vars);
  }

  /** Same with no extra variables. */
  public String applyChatTemplate(List<Map<String, Object>> messages, boolean addGenerationPrompt) {
    return applyChatTemplate(messages, addGenerationPrompt, Map.of());
  }

  /** A user/assistant/system message as chat templates expect it. */
  public static Map<String, Object> message(String role, String content) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("role", role);
    m.put("content", content);
    return m;
  }

  @Override
  public void close() {
    hf.close();
  }
}
