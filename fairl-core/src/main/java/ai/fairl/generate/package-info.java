/**
 * Batched generation with a KV cache and left padding ({@link ai.fairl.generate.Generator}):
 * greedy, temperature, top-k and top-p sampling ({@link ai.fairl.generate.GenerationConfig}), stop
 * tokens and strings, per-token log-probs of the raw model ({@link
 * ai.fairl.generate.GenerationResult}), streaming ({@link ai.fairl.generate.TokenListener}), and
 * the {@code fairl generate} command ({@link ai.fairl.generate.GenerateMain}).
 */
package ai.fairl.generate;
