package ai.fairl.train;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How gradients are grouped for all-reduce: parameters in reverse registration order (the order
 * backward finishes them, as PyTorch's DDP does), packed greedily into buckets of at most {@code
 * capBytes}; a parameter larger than the cap gets a bucket of its own. One collective per bucket
 * amortises the per-call latency of NCCL and Gloo over many small tensors (norms, biases, LoRA
 * matrices) without one flat copy of every gradient at once.
 *
 * @param buckets parameter names per bucket, in the order they are reduced
 * @param capBytes the bucket size limit used to build it
 */
public record BucketPlan(List<List<String>> buckets, long capBytes) {

  /** PyTorch DDP's default {@code bucket_cap_mb}. */
  public static final long DEFAULT_CAP_BYTES = 25L * 1024 * 1024;

  public BucketPlan {
    if (capBytes < 1) {
      throw new IllegalArgumentException("bucket size must be >= 1 byte, got " + capBytes);
    }
    List<List<String>> copy = new ArrayList<>();
    for (List<String> b : buckets) {
      if (b.isEmpty()) {
        throw new IllegalArgumentException("a gradient bucket must not be empty");
      }
      copy.add(List.copyOf(b));
    }
    buckets = List.copyOf(copy);
  }

  /**
   * Plans buckets for parameters given as name to size in bytes, in registration order.
   *
   * @param bytes parameter name to gradient size in bytes (insertion order = registration order)
   */
  public static BucketPlan plan(Map<String, Long> bytes, long capBytes) {
    if (capBytes < 1) {
      throw new IllegalArgumentException("bucket size must be >= 1 byte, got " + capBytes);
    }
    List<String> names = new ArrayList<>(bytes.keySet());
    Collections.reverse(names);
    List<List<String>> buckets = new ArrayList<>();
    List<String> current = new ArrayList<>();
    long filled = 0;
    for (String name : names) {
      long size = bytes.get(name);
      if (size < 0) {
        throw new IllegalArgumentException("parameter " + name + " has a negative size " + size);
      }
      if (!current.isEmpty() && filled + size > capBytes) {
        buckets.add(current);
        current = new ArrayList<>();
        filled = 0;
      }
      current.add(name);
      filled += size;
    }
    if (!current.isEmpty()) {
      buckets.add(current);
    }
    return new BucketPlan(buckets, capBytes);
  }

  /** Bytes per bucket, for logs and tests. */
  public List<Long> bucketBytes(Map<String, Long> bytes) {
    List<Long> out = new ArrayList<>();
    for (List<String> b : buckets) {
      out.add(b.stream().mapToLong(bytes::get).sum());
    }
    return out;
  }

  /** Name to bucket index. */
  public Map<String, Integer> index() {
    Map<String, Integer> m = new LinkedHashMap<>();
    for (int i = 0; i < buckets.size(); i++) {
      for (String n : buckets.get(i)) {
        m.put(n, i);
      }
    }
    return m;
  }
}
