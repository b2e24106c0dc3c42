package ai.fairl.notebook;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

/**
 * Memory of the kernel process: Java heap, off-heap direct buffers, the process's resident set
 * (current and peak, {@code VmRSS}/{@code VmHWM} from {@code /proc/self/status}; CPU tensors live
 * there), the NDArrays still open under DJL's managers (count and bytes: what a finished or
 * interrupted run must give back), and, on a GPU with fairl-native, the CUDA caching allocator's
 * allocated, reserved and peak bytes of GPU 0 (-1 where the engine does not report them). What
 * {@code %fairl_memory} shows, as plain Java: {@code MemoryReport.now().table()}.
 *
 * <p>Simplified: the live-tensor figures walk DJL's manager tree from its root (every base
 * manager's parent); a view that shares storage counts again, so the bytes are an upper bound.
 */
public record MemoryReport(
    long heapUsed,
    long heapCommitted,
    long heapMax,
    long directBuffers,
    long residentNow,
    long residentPeak,
    long liveTensors,
    long liveTensorBytes,
    long gpuAllocated,
    long gpuReserved,
    long gpuPeakAllocated) {

  public static MemoryReport now() {
    MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
    long direct = 0;
    for (BufferPoolMXBean b : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
      direct += Math.max(0, b.getMemoryUsed());
    }
    long[] live = countOpenTensors();
    java.util.Optional<ai.fairl.engine.FusedOps.CudaMemory> cuda;
    try {
      cuda = ai.fairl.engine.FusedOps.get().cudaMemory(0);
    } catch (RuntimeException e) {
      // c10's allocator answers "Invalid device argument" until the first CUDA allocation: no
      // GPU memory is held yet
      cuda =
          String.valueOf(e.getMessage()).contains("Invalid device argument")
              ? java.util.Optional.of(new ai.fairl.engine.FusedOps.CudaMemory(0, 0, 0, 0))
              : java.util.Optional.empty();
    }
    return new MemoryReport(
        heap.getUsed(),
        heap.getCommitted(),
        heap.getMax(),
        direct,
        procStatus("VmRSS:"),
        procStatus("VmHWM:"),
        live[0],
        live[1],
        cuda.map(c -> c.allocated()).orElse(-1L),
        cuda.map(c -> c.reserved()).orElse(-1L),
        cuda.map(c -> c.peakAllocated()).orElse(-1L));
  }

  /** Open NDArrays under DJL's root manager: {count, bytes}. */
  static long[] countOpenTensors() {
    long count = 0;
    long bytes = 0;
    try (NDManager probe = NDManager.newBaseManager()) {
      NDManager root = probe.getParentManager();
      for (NDArray a : root.getManagedArrays()) {
        if (!a.isReleased()) {
          count++;
          bytes += a.size() * a.getDataType().getNumOfBytes();
        }
      }
    }
    return new long[] {count, bytes};
  }

  /** Kibibytes from a {@code /proc/self/status} line, as bytes; -1 where there is no /proc. */
  static long procStatus(String key) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith(key)) {
          return Long.parseLong(line.substring(key.length()).replace("kB", "").strip()) * 1024;
        }
      }
    } catch (IOException | NumberFormatException e) {
      return -1;
    }
    return -1;
  }

  public Table table() {
    StringColumn what = StringColumn.create("memory");
    DoubleColumn mib = DoubleColumn.create("MiB");
    add(what, mib, "Java heap used", heapUsed);
    add(what, mib, "Java heap committed", heapCommitted);
    add(what, mib, "Java heap max (-Xmx)", heapMax);
    add(what, mib, "direct buffers", directBuffers);
    add(what, mib, "process resident (VmRSS)", residentNow);
    add(what, mib, "process peak resident (VmHWM)", residentPeak);
    add(what, mib, "open tensors (" + liveTensors + ")", liveTensorBytes);
    if (gpuAllocated >= 0) {
      add(what, mib, "GPU 0 allocated (CUDA caching allocator)", gpuAllocated);
      add(what, mib, "GPU 0 reserved", gpuReserved);
      add(what, mib, "GPU 0 peak allocated", gpuPeakAllocated);
    }
    return Table.create("kernel memory", what, mib);
  }

  /** One JSON object (bytes; -1 = not reported), for harnesses that read the figures back. */
  public String json() {
    return String.format(
        Locale.ROOT,
        "{\"heap_used\":%d,\"heap_committed\":%d,\"heap_max\":%d,\"direct_buffers\":%d,\"vm_rss\":%d,\"vm_hwm\":%d,"
            + "\"live_tensors\":%d,\"live_tensor_bytes\":%d,\"gpu_allocated\":%d,"
            + "\"gpu_reserved\":%d,\"gpu_peak_allocated\":%d}",
        heapUsed,
        heapCommitted,
        heapMax,
        directBuffers,
        residentNow,
        residentPeak,
        liveTensors,
        liveTensorBytes,
        gpuAllocated,
        gpuReserved,
        gpuPeakAllocated);
  }

  private static void add(StringColumn what, DoubleColumn mib, String name, long bytes) {
    what.append(name);
    if (bytes < 0) {
      mib.appendMissing();
    } else {
      mib.append(Math.round(bytes / 1048576.0 * 10) / 10.0);
    }
  }
}
