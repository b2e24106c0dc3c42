package ai.fairl.infer;

/**
 * Opens a local model (a checkpoint folder, a merged model, base plus PEFT adapter, or a Hub id) as
 * a {@link TextGenerator} that answers {@code batchSize} prompts at a time.
 */
@FunctionalInterface
public interface ModelLoader {
  TextGenerator open(String pathOrId, int batchSize);
}
