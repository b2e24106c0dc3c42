package ai.fairl.cli;

import java.io.File;
import java.util.Map;

/** Which device a run gets from {@code --num-gpus} and {@code CUDA_VISIBLE_DEVICES}. */
final class Devices {
  private Devices() {}

  /**
   * GPUs visible to this process: {@code CUDA_VISIBLE_DEVICES} when set (empty or {@code -1}:
   * none), else the {@code /dev/nvidia<N>} device files.
   */
  static int visibleGpus(Map<String, String> env) {
    String v = env.get("CUDA_VISIBLE_DEVICES");
    if (v != null) {
      String t = v.trim();
      if (t.isEmpty() || t.equals("-1") || t.equalsIgnoreCase("none")) {
        return 0;
      }
      return t.split(",").length;
    }
    File[] devs = new File("/dev").listFiles((d, name) -> name.matches("nvidia\\d+"));
    return devs == null ? 0 : devs.length;
  }

  /** {@code cpu} or {@code gpu} for a single-node run; throws a usage error when impossible. */
  static String choose(int numGpus, int nnodes, Map<String, String> env, Session s) {
    if (numGpus < 1) {
      throw new UsageException("--num-gpus must be >= 1, got " + numGpus, "use --num-gpus 1");
    }
    if (nnodes < 1) {
      throw new UsageException("--nnodes must be >= 1, got " + nnodes, "use --nnodes 1");
    }
    int visible = visibleGpus(env);
    if (visible == 0) {
      if (numGpus > 1) {
        throw new UsageException(
            "--num-gpus " + numGpus + " asked for GPUs, but none is visible" + describe(env),
            "run on the CPU with --num-gpus 1, or make GPUs visible");
      }
      s.notice("no GPU visible" + describe(env) + "; running on the CPU");
      return "cpu";
    }
    if (numGpus > visible) {
      throw new UsageException(
          "--num-gpus " + numGpus + " but only " + visible + " GPU(s) are visible" + describe(env),
          "use --num-gpus " + visible + " or fewer");
    }
    return "gpu";
  }

  private static String describe(Map<String, String> env) {
    String v = env.get("CUDA_VISIBLE_DEVICES");
    return v == null ? "" : " (CUDA_VISIBLE_DEVICES=" + v + ")";
  }
}
