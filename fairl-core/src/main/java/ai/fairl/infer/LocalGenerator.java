/*
 * A local model as a TextGenerator: a model directory, a Hub id, tiny:<family>, or a PEFT adapter
 * folder (its base model is loaded, the adapter applied and merged, as FAI-RL's merge_and_unload).
 * Flat prompts are encoded raw with the tokenizer's special tokens (FAI-RL: tokenizer(prompt));
 * chat prompts go through the model's chat template with the generation prompt. Rows are generated
 * together (left-padded, one KV cache), FAI-RL generated one at a time. A batch that throws is
 * retried row by row so that only the offending row fails.
 * Simplified: fp32 weights (CPU), no [PAD] token added (FAI-RL's B7), seeded sampling per row.
 */
package ai.fairl.infer;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.fairl.generate.GenerationConfig;
import ai.fairl.generate.GenerationResult;
import ai.fairl.generate.Generator;
import ai.fairl.model.Models;
import ai.fairl.model.Tokenizer;
import ai.fairl.model.TransformerModel;
import ai.fairl.model.lora.LoraModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Generates with a local model. */
public final class LocalGenerator implements TextGenerator {
  private final String name;
  private final NDManager manager;
  private final Models.Loaded loaded;
  private final Tokenizer tokenizer;
  private final Generator generator;
  private final int batchSize;
  private final long seed;

  private LocalGenerator(
      String name,
      NDManager manager,
      Models.Loaded loaded,
      Tokenizer tok,
      int batchSize,
      long seed) {
    this.name = name;
    this.manager = manager;
    this.loaded = loaded;
    this.tokenizer = tok;
    this.generator = new Generator(loaded.model(), tok);
    this.batchSize = batchSize;
    this.seed = seed;
  }

  /** Opens a model directory, PEFT adapter folder, Hub id or {@code tiny:<family>}. */
  public static LocalGenerator open(String ref, int batchSize, long seed) {
    Loaded l = load(ref, seed);
    return new LocalGenerator(ref, l.manager, l.model, l.tokenizer, batchSize, seed);
  }

  /** A loaded model with its tokenizer and the manager that owns both. */
  record Loaded(NDManager manager, Models.Loaded model, Tokenizer tokenizer) {}

  static Loaded load(String ref, long seed) {
    NDManager manager = NDManager.newBaseManager();
    try {
      Path adapter = null;
      String base = ref;
      if (!ref.startsWith("tiny:")
          && Files.isDirectory(Path.of(ref))
          && LoraModel.isAdapterDir(Path.of(ref))) {
        adapter = Path.of(ref);
        base = LoraModel.baseModelOf(adapter);
      }
      Models.Loaded m = Models.load(base, manager, DataType.FLOAT32, seed);
      Tokenizer tok = m.tokenizer();
      if (tok == null
          && adapter != null
          && Files.isRegularFile(adapter.resolve("tokenizer.json"))) {
        tok = Tokenizer.load(adapter);
      }
      if (tok == null) {
        throw new IllegalArgumentException(
            ref + " has no tokenizer.json; inference needs the model's tokenizer");
      }
      if (adapter != null) {
        LoraModel lora = LoraModel.loadPeft(m.model(), adapter);
        lora.merge();
      }
      return new Loaded(manager, m, tok);
    } catch (IOException e) {
      manager.close();
      throw new UncheckedIOException("cannot load " + ref + ": " + e.getMessage(), e);
    } catch (RuntimeException e) {
      manager.close();
      throw e;
    }
  }

  /** The token ids of a prompt as this model reads it. */
  static long[] encode(Tokenizer tok, Prompt p, String name) {
    if (!p.chat()) {
      return tok.encode(p.user(), true);
    }
    if (tok.chatTemplate() == null) {
      throw new IllegalArgumentException(
          name
              + " has no chat template (tokenizer_config.json chat_template); remove user_prompt"
              + " to send flat prompts");
    }
    List<Map<String, Object>> messages = new ArrayList<>();
    if (p.system() != null) {
      messages.add(Tokenizer.message("system", p.system()));
    }
    messages.add(Tokenizer.message("user", p.user()));
    return tok.encode(tok.applyChatTemplate(messages, true), false);
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public int batchSize() {
    return batchSize;
  }

  /** The model, for callers that need more than text (log-likelihoods). */
  public TransformerModel model() {
    return loaded.model();
  }

  public Tokenizer tokenizer() {
    return tokenizer;
  }

  @Override
  public List<Completion> generate(List<Prompt> prompts, GenerationParams params) {
    GenerationConfig cfg =
        params.sampling()
            ? GenerationConfig.sampling(
                params.maxNewTokens(), params.temperature(), 0, params.topP(), seed)
            : GenerationConfig.greedy(params.maxNewTokens());
    try {
      return run(prompts, cfg);
    } catch (RuntimeException batchFailed) {
      if (prompts.size() == 1) {
        return List.of(Completion.failed(name + ": " + batchFailed.getMessage()));
      }
      List<Completion> out = new ArrayList<>();
      for (Prompt p : prompts) {
        try {
          out.addAll(run(List.of(p), cfg));
        } catch (RuntimeException e) {
          out.add(Completion.failed(name + ": " + e.getMessage()));
        }
      }
      return out;
    }
  }

  private List<Completion> run(List<Prompt> prompts, GenerationConfig cfg) {
    long[][] ids = new long[prompts.size()][];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = encode(tokenizer, prompts.get(i), name);
      if (ids[i].length == 0) {
        ids[i] = new long[] {Math.max(0, tokenizer.bosTokenId())};
      }
    }
    GenerationResult r = generator.generate(ids, cfg, null);
    List<Completion> out = new ArrayList<>();
    for (int i = 0; i < ids.length; i++) {
      out.add(Completion.ok(r.texts().get(i), ids[i].length, r.tokens().get(i).length));
    }
    return out;
  }

  @Override
  public void close() {
    loaded.close();
    manager.close();
  }
}
