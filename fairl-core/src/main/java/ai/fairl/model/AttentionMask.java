package ai.fairl.model;

import ai.djl.ndarray.NDArray;

/**
 * Which keys each query may attend to, in two forms so that fused kernels need not rebuild it.
 *
 * @param additive (batch, 1, seq, total) fp32: 0 where allowed, a large negative number elsewhere
 *     (causal, padding and sliding window combined)
 * @param keyPadding (batch, total) 1 for real tokens, 0 for padding
 * @param pastLength positions already in the KV cache before this call
 * @param slidingWindow the attention window (0: unlimited)
 */
public record AttentionMask(
    NDArray additive, NDArray keyPadding, int pastLength, int slidingWindow) {}
