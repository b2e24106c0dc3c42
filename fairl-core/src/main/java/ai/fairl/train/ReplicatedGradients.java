package ai.fairl.train;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.fairl.engine.ProcessGroup;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Data parallelism with full replicas (ZeRO stage 0): every rank holds all parameters, gradients
 * and optimizer state; gradients are summed over the ranks bucket by bucket ({@link BucketPlan}).
 *
 * <p>Overlapped (the default): during the step's last backward pass, hooks on the parameters'
 * gradient accumulators (C++, {@link ProcessGroup#gradientReducer}) start each bucket's all-reduce
 * as soon as its gradients are complete, so communication runs while the backward computes the
 * earlier layers; {@link #sumGradients} waits for the rest. Not overlapped: every bucket is reduced
 * after the backward pass. Both sum the same buffers in the same order.
 */
final class ReplicatedGradients implements DataParallel {
  private static final Logger LOG = LoggerFactory.getLogger(ReplicatedGradients.class);

  private final ProcessGroup group;
  private final Device device;
  private final long capBytes;
  private final boolean overlap;
  private BucketPlan plan;
  private ProcessGroup.GradientReducer reducer;
  private long overlapped;

  ReplicatedGradients(ProcessGroup group, Device device, long capBytes, boolean overlap) {
    if (capBytes < 1) {
      throw new IllegalArgumentException("gradient bucket size must be >= 1 byte, got " + capBytes);
    }
    this.group = group;
    this.device = device;
    this.capBytes = capBytes;
    this.overlap = overlap;
  }

  @Override
  public int rank() {
    return group.rank();
  }

  @Override
  public int worldSize() {
    return group.size();
  }

  @Override
  public double[] sum(double[] values) {
    return group.sum(values, device);
  }

  @Override
  public void broadcastParameters(Map<String, NDArray> params) {
    for (NDArray p : params.values()) {
      group.broadcast(p, 0);
    }
  }

  @Override
  public void beforeFinalBackward(Map<String, NDArray> params) {
    if (overlap) {
      reducer(params).arm();
    }
  }

  @Override
  public void abandonGradients(Map<String, NDArray> params) {
    if (overlap) {
      reducer(params).finish(false); // every rank launches the same collectives, then drops them
    }
  }

  /** The same group and buckets, reduced after the backward pass (benchmarks compare). */
  DataParallel withoutOverlap() {
    return new ReplicatedGradients(group, device, capBytes, false);
  }

  /** Bucket reductions started while a backward pass ran (overlap at work), since the start. */
  long overlappedBuckets() {
    return overlapped;
  }

  private ProcessGroup.GradientReducer reducer(Map<String, NDArray> params) {
    if (reducer == null) {
      plan(params);
      List<List<NDArray>> buckets = new ArrayList<>();
      for (List<String> bucket : plan.buckets()) {
        buckets.add(bucket.stream().map(params::get).toList());
      }
      reducer = group.gradientReducer(buckets);
    }
    return reducer;
  }

  private void plan(Map<String, NDArray> params) {
    if (plan == null) {
      Map<String, Long> bytes = new LinkedHashMap<>();
      for (Map.Entry<String, NDArray> e : params.entrySet()) {
        bytes.put(
            e.getKey(), e.getValue().size() * (long) e.getValue().getDataType().getNumOfBytes());
      }
      plan = BucketPlan.plan(bytes, capBytes);
      LOG.info(
          "data parallel over {} ranks ({}): {} gradient bucket(s) of at most {} bytes",
          group.size(),
          group.backend(),
          plan.buckets().size(),
          capBytes);
      for (Map.Entry<String, NDArray> e : params.entrySet()) {
        if (e.getValue().getDataType() != DataType.FLOAT32) {
          throw new IllegalStateException(
              "parameter "
                  + e.getKey()
                  + " is "
                  + e.getValue().getDataType()
                  + ", expected float32");
        }
      }
    }
  }

  @Override
  public void sumGradients(Map<String, NDArray> params) {
    if (overlap) {
      overlapped = reducer(params).finish(true);
      return;
    }
    plan(params);
    try (NDScope scope = new NDScope()) {
      for (List<String> bucket : plan.buckets()) {
        List<NDArray> grads = new ArrayList<>(bucket.size());
        for (String name : bucket) {
          NDArray p = params.get(name);
          if (p == null) {
            throw new IllegalStateException(
                "parameter " + name + " disappeared after the gradient buckets were planned");
          }
          NDArray g = p.getGradient();
          if (g.getDataType() != DataType.FLOAT32) {
            throw new IllegalStateException(
                "gradient of " + name + " is " + g.getDataType() + ", expected float32");
          }
          grads.add(g);
        }
        group.allReduceCoalesced(grads, ProcessGroup.ReduceOp.SUM);
      }
    }
  }

  @Override
  public void barrier() {
    group.barrier();
  }

  @Override
  public void close() {
    if (reducer != null) {
      reducer.close();
    }
    group.close();
  }
}
