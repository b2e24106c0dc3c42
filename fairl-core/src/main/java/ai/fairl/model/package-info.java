/**
 * Language models on DJL NDArrays: {@link ai.fairl.model.TransformerConfig} (a Hugging Face
 * config.json), {@link ai.fairl.model.TransformerModel} (Llama, Qwen2, Qwen3 and Mistral decoders
 * with a causal-LM or sequence-classification head), {@link ai.fairl.model.Linear} projections with
 * {@link ai.fairl.model.WeightStore}s and {@link ai.fairl.model.LinearAdapter}s (LoRA lives in
 * {@code model.lora}), replaceable {@link ai.fairl.model.AttentionKernel} and {@link
 * ai.fairl.model.NormKernel}, the per-layer {@link ai.fairl.model.LayerHook}, {@link
 * ai.fairl.model.Safetensors} checkpoints, {@link ai.fairl.model.Tokenizer}s with {@link
 * ai.fairl.model.ChatTemplate}s, and {@link ai.fairl.model.Models#load} for sources such as {@code
 * tiny:qwen2}, a directory or a Hub id.
 *
 * <pre>{@code
 * try (NDManager m = NDManager.newBaseManager();
 *     Models.Loaded lm = Models.load("Qwen/Qwen2.5-0.5B-Instruct", m, DataType.FLOAT32, 0)) {
 *   String prompt = lm.tokenizer().applyChatTemplate(List.of(Tokenizer.message("user", "2+2?")), true);
 *   GenerationResult r = new Generator(lm.model(), lm.tokenizer())
 *       .generateText(List.of(prompt), GenerationConfig.greedy(32), null);
 * }
 * }</pre>
 */
package ai.fairl.model;
