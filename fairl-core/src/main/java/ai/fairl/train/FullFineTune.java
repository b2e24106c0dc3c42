package ai.fairl.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.fairl.model.Safetensors;
import ai.fairl.model.Tokenizer;
import ai.fairl.model.TransformerModel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * Full fine-tuning: every weight of the model trains. Saves a Hugging Face model folder ({@code
 * config.json}, {@code model.safetensors}, the tokenizer files) that {@code from_pretrained} and
 * {@link TransformerModel#load} read, e.g. a reward model that PPO loads.
 */
final class FullFineTune implements Trainable {
  private final TransformerModel model;
  private final Tokenizer tokenizer;

  FullFineTune(TransformerModel model, Tokenizer tokenizer) {
    for (Map.Entry<String, NDArray> e : model.parameters().entrySet()) {
      if (e.getValue().getDataType() != DataType.FLOAT32) {
        throw new IllegalArgumentException(
            "full fine-tuning keeps fp32 master weights; "
                + e.getKey()
                + " is "
                + e.getValue().getDataType());
      }
    }
    model.setRequiresGrad(true);
    this.model = model;
    this.tokenizer = tokenizer;
  }

  @Override
  public Map<String, NDArray> parameters() {
    return model.parameters();
  }

  @Override
  public void save(Path dir) throws IOException {
    model.save(dir);
    if (tokenizer != null) {
      tokenizer.save(dir);
    }
  }

  @Override
  public void load(Path dir) throws IOException {
    try (NDManager tmp = model.manager().newSubManager()) {
      Map<String, NDArray> saved = Safetensors.loadModelDir(dir, tmp);
      for (Map.Entry<String, NDArray> e : model.parameters().entrySet()) {
        NDArray s = saved.get(e.getKey());
        if (s == null && e.getKey().equals("lm_head.weight")) {
          continue; // tied embeddings are stored once
        }
        if (s == null || !s.getShape().equals(e.getValue().getShape())) {
          throw new IOException(
              dir
                  + ": weight "
                  + e.getKey()
                  + (s == null ? " is missing" : " has shape " + s.getShape())
                  + "; the checkpoint belongs to a different model");
        }
        e.getValue().set(s.toType(DataType.FLOAT32, false).toFloatArray());
      }
    }
  }
}
