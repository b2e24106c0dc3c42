package ai.fairl.model;

import ai.djl.ndarray.NDArray;

/**
 * What a forward pass returns; both arrays belong to the input ids' manager.
 *
 * @param logits causal LM: (batch, kept_seq, vocab) fp32, where kept_seq is seq or the last {@code
 *     logitsToKeep} positions; sequence classification: (batch, num_labels) fp32, read at the last
 *     non-pad token
 * @param hiddenStates (batch, seq, hidden) after the final norm, in the model dtype (for value and
 *     score heads)
 */
public record ModelOutput(NDArray logits, NDArray hiddenStates) {}
