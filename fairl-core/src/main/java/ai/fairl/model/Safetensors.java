package ai.fairl.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The safetensors format (https://huggingface.co/docs/safetensors): an 8-byte little-endian header
 * length, a JSON header of {@code name -> {dtype, shape, data_offsets}}, then the raw little-endian
 * data. Tensors are read by memory-mapping just their own byte range (windows of at most 1 GiB, so
 * offsets and tensors past 2 GiB work) and copied into engine memory; files never pass through the
 * Java heap. bf16 tensors are widened to fp32 on the way in (stock DJL on CPU cannot hold bf16).
 * Writing goes to a temporary file that is moved into place, so a failed save never leaves a
 * half-written checkpoint under the real name.
 */
public final class Safetensors {
  /** Largest byte range mapped at once; tests lower it to exercise the row-block path. */
  static long window = 1L << 30;

  private static final long MAX_HEADER = 100L << 20;

  private Safetensors() {}

  /**
   * One tensor's entry in a header.
   *
   * @param name tensor name
   * @param dtype safetensors dtype string, e.g. {@code F32}
   * @param shape dimensions
   * @param begin byte offset of the data, relative to the end of the header
   * @param end exclusive end offset
   */
  public record Entry(String name, String dtype, long[] shape, long begin, long end) {}

  /** A parsed header of one file. */
  public record Header(
      Path file, long dataStart, Map<String, Entry> entries, Map<String, String> metadata) {}

  /** Reads and validates the header of {@code file}; errors name the file and what is wrong. */
  public static Header readHeader(Path file) {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = ch.size();
      if (size < 8) {
        throw corrupt(file, "file is " + size + " bytes, shorter than the 8-byte header length");
      }
      ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
      readFully(ch, lenBuf, 0);
      long n = lenBuf.getLong(0);
      if (n <= 0 || n > MAX_HEADER || 8 + n > size) {
        throw corrupt(
            file,
            "header length "
                + n
                + " is impossible for a file of "
                + size
                + " bytes (truncated or not safetensors)");
      }
      ByteBuffer hb = ByteBuffer.allocate((int) n);
      readFully(ch, hb, 8);
      String json = new String(hb.array(), StandardCharsets.UTF_8);
      JsonObject o;
      try {
        o = JsonParser.parseString(json).getAsJsonObject();
      } catch (RuntimeException e) {
        throw corrupt(file, "header is not a JSON object (" + e.getMessage() + ")");
      }
      long dataStart = 8 + n;
      long dataLen = size - dataStart;
      Map<String, Entry> entries = new LinkedHashMap<>();
      Map<String, String> meta = new LinkedHashMap<>();
      for (Map.Entry<String, JsonElement> e : o.entrySet()) {
        if (e.getKey().equals("__metadata__")) {
          for (Map.Entry<String, JsonElement> me : e.getValue().getAsJsonObject().entrySet()) {
            meta.put(me.getKey(), me.getValue().getAsString());
          }
          continue;
        }
        Entry en = parseEntry(file, e.getKey(), e.getValue());
        if (en.end > dataLen) {
          throw corrupt(
              file,
              "tensor '"
                  + en.name
                  + "' ends at data offset "
                  + en.end
                  + " but the file holds only "
                  + dataLen
                  + " data bytes (truncated)");
        }
        entries.put(en.name, en);
      }
      // the spec forbids holes and overlaps: sorted by offset, each tensor starts where the last
      // ended
      List<Entry> sorted = new ArrayList<>(entries.values());
      sorted.sort(java.util.Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
      long expect = 0;
      for (Entry en : sorted) {
        if (en.begin() != expect) {
          throw corrupt(
              file,
              "tensor '"
                  + en.name()
                  + "' starts at data offset "
                  + en.begin()
                  + " but the previous tensor ends at "
                  + expect
                  + (en.begin() < expect ? " (overlapping tensors)" : " (a hole in the data)"));
        }
        expect = en.end();
      }
      if (expect != dataLen) {
        throw corrupt(
            file,
            "the tensors cover "
                + expect
                + " data bytes but the file has "
                + dataLen
                + " after the header");
      }
      return new Header(file, dataStart, entries, meta);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  private static Entry parseEntry(Path file, String name, JsonElement v) {
    try {
      JsonObject t = v.getAsJsonObject();
      String dtype = t.get("dtype").getAsString();
      int elem = bytesOf(file, name, dtype);
      var shapeArr = t.getAsJsonArray("shape");
      long[] shape = new long[shapeArr.size()];
      long count = 1;
      for (int i = 0; i < shape.length; i++) {
        shape[i] = shapeArr.get(i).getAsLong();
        if (shape[i] < 0) {
          throw corrupt(file, "tensor '" + name + "' has a negative dimension " + shape[i]);
        }
        count = Math.multiplyExact(count, shape[i]);
      }
      var off = t.getAsJsonArray("data_offsets");
      long begin = off.get(0).getAsLong();
      long end = off.get(1).getAsLong();
      if (begin < 0 || end < begin || end - begin != count * elem) {
        throw corrupt(
            file,
            "tensor '"
                + name
                + "' has data_offsets ["
                + begin
                + ", "
                + end
                + "] but "
                + dtype
                + " "
                + java.util.Arrays.toString(shape)
                + " needs "
                + count * elem
                + " bytes");
      }
      return new Entry(name, dtype, shape, begin, end);
    } catch (IllegalArgumentException e) {
      throw e;
    } catch (RuntimeException e) {
      throw corrupt(
          file,
          "entry '" + name + "' is malformed (" + e + "); expected {dtype, shape, data_offsets}");
    }
  }

  private static int bytesOf(Path file, String name, String dtype) {
    return switch (dtype) {
      case "F64", "I64", "U64" -> 8;
      case "F32", "I32", "U32" -> 4;
      case "F16", "BF16", "I16", "U16" -> 2;
      case "I8", "U8", "BOOL" -> 1;
      default -> throw corrupt(file, "tensor '" + name + "' has unsupported dtype '" + dtype + "'");
    };
  }

  private static IllegalArgumentException corrupt(Path file, String what) {
    return new IllegalArgumentException("corrupt safetensors file " + file + ": " + what);
  }

  private static void readFully(FileChannel ch, ByteBuffer buf, long pos) throws IOException {
    while (buf.hasRemaining()) {
      int r = ch.read(buf, pos);
      if (r < 0) {
        throw new IOException("unexpected end of file");
      }
      pos += r;
    }
  }

  /** Loads every tensor of one file into {@code manager}. */
  public static Map<String, NDArray> load(Path file, NDManager manager) {
    Header h = readHeader(file);
    Map<String, NDArray> out = new LinkedHashMap<>();
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      for (Entry e : h.entries().values()) {
        out.put(e.name(), read(ch, h, e, manager));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
    }
    return out;
  }

  /**
   * Loads a model directory's weights: {@code model.safetensors}, or every shard named by {@code
   * model.safetensors.index.json}. A directory with only PyTorch pickles is refused with how to
   * convert.
   */
  public static Map<String, NDArray> loadModelDir(Path dir, NDManager manager) {
    Path single = dir.resolve("model.safetensors");
    Path index = dir.resolve("model.safetensors.index.json");
    if (Files.isRegularFile(single)) {
      return load(single, manager);
    }
    if (Files.isRegularFile(index)) {
      Map<String, NDArray> out = new LinkedHashMap<>();
      for (Path shard : shardsOf(index)) {
        out.putAll(load(shard, manager));
      }
      return out;
    }
    if (Files.isRegularFile(dir.resolve("pytorch_model.bin"))
        || Files.isRegularFile(dir.resolve("pytorch_model.bin.index.json"))) {
      throw new IllegalArgumentException(
          dir
              + " holds a PyTorch pickle checkpoint (pytorch_model.bin), which is refused: unpickling"
              + " can run arbitrary code. Convert it once with Python: "
              + "`python -c \"from transformers import AutoModelForCausalLM as M;"
              + " M.from_pretrained('"
              + dir
              + "').save_pretrained('"
              + dir
              + "-safetensors', safe_serialization=True)\"`");
    }
    throw new IllegalArgumentException(
        "no weights in " + dir + ": expected model.safetensors or model.safetensors.index.json");
  }

  /** The shard files an index names, in order of first appearance, each checked to exist. */
  static List<Path> shardsOf(Path index) {
    JsonObject o;
    try {
      o = JsonParser.parseString(Files.readString(index, StandardCharsets.UTF_8)).getAsJsonObject();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + index, e);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(index + " is not a JSON object: " + e.getMessage(), e);
    }
    if (!o.has("weight_map") || !o.get("weight_map").isJsonObject()) {
      throw new IllegalArgumentException(index + " has no 'weight_map' object");
    }
    List<Path> shards = new ArrayList<>();
    for (Map.Entry<String, JsonElement> e : o.getAsJsonObject("weight_map").entrySet()) {
      Path p = index.resolveSibling(e.getValue().getAsString());
      if (!shards.contains(p)) {
        if (!Files.isRegularFile(p)) {
          throw new IllegalArgumentException(
              index
                  + " maps '"
                  + e.getKey()
                  + "' to "
                  + p.getFileName()
                  + ", which does not exist");
        }
        shards.add(p);
      }
    }
    return shards;
  }

  /** Reads one tensor, mapping at most {@link #window} bytes at a time. */
  static NDArray read(FileChannel ch, Header h, Entry e, NDManager manager) throws IOException {
    long bytes = e.end() - e.begin();
    long start = h.dataStart() + e.begin();
    DataType dt = djlType(e.dtype());
    long rows = e.shape().length == 0 ? 1 : e.shape()[0];
    long rowBytes = rows == 0 ? 0 : bytes / rows;
    if (bytes <= window || rowBytes == 0 || rowBytes > window || e.shape().length == 0) {
      if (bytes > Integer.MAX_VALUE) {
        throw new IllegalArgumentException(
            "tensor '"
                + e.name()
                + "' in "
                + h.file()
                + " has rows of "
                + rowBytes
                + " bytes; rows over 1 GiB are not supported");
      }
      return fromBytes(ch, start, bytes, dt, new Shape(e.shape()), manager);
    }
    // a tensor over 1 GiB: read blocks of whole rows and concatenate along dim 0
    long rowsPerBlock = window / rowBytes;
    NDList parts = new NDList();
    try (NDManager tmp = manager.newSubManager()) {
      for (long r = 0; r < rows; r += rowsPerBlock) {
        long n = Math.min(rowsPerBlock, rows - r);
        long[] shape = e.shape().clone();
        shape[0] = n;
        parts.add(fromBytes(ch, start + r * rowBytes, n * rowBytes, dt, new Shape(shape), tmp));
      }
      NDArray whole = ai.djl.ndarray.NDArrays.concat(parts, 0);
      whole.attach(manager);
      return whole;
    }
  }

  private static NDArray fromBytes(
      FileChannel ch, long pos, long len, DataType dt, Shape shape, NDManager manager)
      throws IOException {
    if (len == 0) {
      return manager.create(shape, dt == DataType.BFLOAT16 ? DataType.FLOAT32 : dt);
    }
    MappedByteBuffer mb = ch.map(FileChannel.MapMode.READ_ONLY, pos, len);
    mb.order(ByteOrder.LITTLE_ENDIAN);
    if (dt == DataType.BFLOAT16) {
      // widen bf16 -> fp32 (the high 16 bits of a float) in a direct buffer
      ByteBuffer f =
          ByteBuffer.allocateDirect(Math.toIntExact(len * 2)).order(ByteOrder.nativeOrder());
      var src = mb.asShortBuffer();
      var dst = f.asIntBuffer();
      while (src.hasRemaining()) {
        dst.put((src.get() & 0xFFFF) << 16);
      }
      return copyOf(manager.create(f, shape, DataType.FLOAT32));
    }
    return copyOf(manager.create(mb, shape, dt));
  }

  /** The engine may share the mapped buffer; a copy owns its memory and is writable. */
  private static NDArray copyOf(NDArray a) {
    NDArray c = a.duplicate();
    a.close();
    return c;
  }

  static DataType djlType(String dtype) {
    return switch (dtype) {
      case "F64" -> DataType.FLOAT64;
      case "F32" -> DataType.FLOAT32;
      case "F16" -> DataType.FLOAT16;
      case "BF16" -> DataType.BFLOAT16;
      case "I64" -> DataType.INT64;
      case "I32" -> DataType.INT32;
      case "I16" -> DataType.INT16;
      case "I8" -> DataType.INT8;
      case "U8" -> DataType.UINT8;
      case "BOOL" -> DataType.BOOLEAN;
      default -> throw new IllegalArgumentException("unsupported safetensors dtype " + dtype);
    };
  }

  static String stType(DataType dt) {
    return switch (dt) {
      case FLOAT64 -> "F64";
      case FLOAT32 -> "F32";
      case FLOAT16 -> "F16";
      case BFLOAT16 -> "BF16";
      case INT64 -> "I64";
      case INT32 -> "I32";
      case INT16 -> "I16";
      case INT8 -> "I8";
      case UINT8 -> "U8";
      case BOOLEAN -> "BOOL";
      default -> throw new IllegalArgumentException("cannot store dtype " + dt + " in safetensors");
    };
  }

  /**
   * Writes {@code tensors} to {@code file} (through a temporary file moved into place).
   *
   * @param metadata the header's {@code __metadata__} (e.g. {@code format: pt}), may be empty
   */
  public static void save(Path file, Map<String, NDArray> tensors, Map<String, String> metadata) {
    JsonObject header = new JsonObject();
    if (!metadata.isEmpty()) {
      JsonObject m = new JsonObject();
      metadata.forEach(m::addProperty);
      header.add("__metadata__", m);
    }
    long off = 0;
    for (Map.Entry<String, NDArray> e : tensors.entrySet()) {
      NDArray a = e.getValue();
      JsonObject t = new JsonObject();
      t.addProperty("dtype", stType(a.getDataType()));
      var shape = new com.google.gson.JsonArray();
      for (long d : a.getShape().getShape()) {
        shape.add(d);
      }
      t.add("shape", shape);
      long len = a.size() * a.getDataType().getNumOfBytes();
      var offs = new com.google.gson.JsonArray();
      offs.add(off);
      offs.add(off + len);
      t.add("data_offsets", offs);
      header.add(e.getKey(), t);
      off += len;
    }
    byte[] hj = new Gson().toJson(header).getBytes(StandardCharsets.UTF_8);
    int pad = (8 - (hj.length % 8)) % 8;
    ByteBuffer head = ByteBuffer.allocate(8 + hj.length + pad).order(ByteOrder.LITTLE_ENDIAN);
    head.putLong(hj.length + pad).put(hj);
    for (int i = 0; i < pad; i++) {
      head.put((byte) ' ');
    }
    head.flip();
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    try {
      try (FileChannel ch =
          FileChannel.open(
              tmp,
              StandardOpenOption.CREATE,
              StandardOpenOption.WRITE,
              StandardOpenOption.TRUNCATE_EXISTING)) {
        writeFully(ch, head);
        for (NDArray a : tensors.values()) {
          writeTensor(ch, a);
        }
        ch.force(false);
      }
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      try {
        Files.deleteIfExists(tmp);
      } catch (IOException ignored) {
        // the original error is the one to report
      }
      throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
    }
  }

  /** Writes one tensor's bytes, in blocks of rows when it is large, so no copy exceeds 64 MiB. */
  private static void writeTensor(FileChannel ch, NDArray a) throws IOException {
    long bytes = a.size() * a.getDataType().getNumOfBytes();
    long rows = a.getShape().dimension() == 0 ? 1 : a.getShape().get(0);
    long rowBytes = rows == 0 ? 0 : bytes / rows;
    if (bytes <= writeBlock || a.getShape().dimension() == 0 || rowBytes >= writeBlock) {
      ByteBuffer data = a.toByteBuffer();
      data.order(ByteOrder.LITTLE_ENDIAN);
      writeFully(ch, data);
      return;
    }
    long step = Math.max(1, writeBlock / rowBytes);
    for (long r = 0; r < rows; r += step) {
      try (NDArray block = a.get(r + ":" + Math.min(rows, r + step))) {
        ByteBuffer data = block.toByteBuffer();
        data.order(ByteOrder.LITTLE_ENDIAN);
        writeFully(ch, data);
      }
    }
  }

  /** Largest tensor copy made while saving; tests lower it to exercise the block path. */
  static long writeBlock = 64L << 20;

  private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
    while (b.hasRemaining()) {
      ch.write(b);
    }
  }

  /**
   * Writes a model directory's weights as transformers names them: one {@code model.safetensors},
   * or shards {@code model-00001-of-0000N.safetensors} with {@code model.safetensors.index.json}
   * when the total exceeds {@code maxShardBytes} (0 = never shard). Stale weight files of the other
   * layout are removed.
   */
  public static void saveModelDir(Path dir, Map<String, NDArray> tensors, long maxShardBytes)
      throws IOException {
    Map<String, String> meta = Map.of("format", "pt");
    long total = 0;
    for (NDArray a : tensors.values()) {
      total += a.size() * a.getDataType().getNumOfBytes();
    }
    if (maxShardBytes <= 0 || total <= maxShardBytes) {
      save(dir.resolve("model.safetensors"), tensors, meta);
      Files.deleteIfExists(dir.resolve("model.safetensors.index.json"));
      return;
    }
    List<Map<String, NDArray>> shards = new ArrayList<>();
    Map<String, NDArray> cur = new LinkedHashMap<>();
    long curBytes = 0;
    for (Map.Entry<String, NDArray> e : tensors.entrySet()) {
      long len = e.getValue().size() * e.getValue().getDataType().getNumOfBytes();
      if (!cur.isEmpty() && curBytes + len > maxShardBytes) {
        shards.add(cur);
        cur = new LinkedHashMap<>();
        curBytes = 0;
      }
      cur.put(e.getKey(), e.getValue());
      curBytes += len;
    }
    shards.add(cur);
    Map<String, String> weightMap = new TreeMap<>();
    int n = shards.size();
    for (int i = 0; i < n; i++) {
      String name = String.format("model-%05d-of-%05d.safetensors", i + 1, n);
      save(dir.resolve(name), shards.get(i), meta);
      for (String k : shards.get(i).keySet()) {
        weightMap.put(k, name);
      }
    }
    JsonObject index = new JsonObject();
    JsonObject md = new JsonObject();
    md.addProperty("total_size", total);
    index.add("metadata", md);
    JsonObject wm = new JsonObject();
    weightMap.forEach(wm::addProperty);
    index.add("weight_map", wm);
    Gson gson = new GsonBuilder().setPrettyPrinting().create();
    Path tmp = dir.resolve("model.safetensors.index.json.tmp");
    Files.writeString(tmp, gson.toJson(index), StandardCharsets.UTF_8);
    Files.move(
        tmp, dir.resolve("model.safetensors.index.json"), StandardCopyOption.REPLACE_EXISTING);
    Files.deleteIfExists(dir.resolve("model.safetensors"));
  }
}
