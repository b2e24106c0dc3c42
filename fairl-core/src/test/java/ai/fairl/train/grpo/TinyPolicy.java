package ai.fairl.train.grpo;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.fairl.generate.Generator;
import ai.fairl.model.Tokenizer;
import ai.fairl.model.Tokenizers;
import ai.fairl.model.TransformerConfig;
import ai.fairl.model.TransformerModel;
import ai.fairl.train.LogitsFunction;
import ai.fairl.train.Trainable;
import java.nio.file.Path;
import java.util.Map;

/** A tiny random Llama over a character vocabulary, for GRPO tests. */
final class TinyPolicy implements AutoCloseable {
  static final String ALPHABET = "0123456789+=";
  final NDManager manager = NDManager.newBaseManager();
  final Tokenizer tokenizer = Tokenizers.charLevel(ALPHABET);
  final TransformerModel model;
  final Generator generator;

  TinyPolicy(long seed) {
    TransformerConfig c =
        TransformerConfig.tiny("llama", Tokenizers.charLevelVocabSize(ALPHABET), 32, 2);
    model = TransformerModel.create(c, manager, DataType.FLOAT32, seed);
    model.setRequiresGrad(true);
    generator = new Generator(model, tokenizer);
  }

  LogitsFunction logits() {
    return (ids, mask, training) -> model.forward(ids, mask, null, null, training).logits();
  }

  RolloutSource.Sampler sampler() {
    return (prompts, cfg) -> generator.generate(prompts, cfg, null);
  }

  long[] encode(String s) {
    return tokenizer.encode(s, false);
  }

  Trainable trainable() {
    return new Trainable() {
      @Override
      public Map<String, NDArray> parameters() {
        return model.parameters();
      }

      @Override
      public void save(Path dir) {
        model.save(dir);
      }

      @Override
      public void load(Path dir) {
        throw new UnsupportedOperationException("tests do not resume");
      }
    };
  }

  @Override
  public void close() {
    model.close();
    tokenizer.close();
    manager.close();
  }
}
