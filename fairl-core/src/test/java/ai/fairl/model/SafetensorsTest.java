package ai.fairl.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsTest {
  @TempDir Path tmp;

  /**
   * A sparse 2.5 GiB file: a small tensor at the start, a 16-byte tensor placed 8 bytes before the
   * 2 GiB data offset (it crosses it) and one 256 MiB past it. Only the written pages use disk.
   */
  @Test
  void readsTensorsPastAndAcrossTheTwoGibOffset() throws Exception {
    long twoGib = 1L << 31;
    long crossBegin = twoGib - 8;
    long farBegin = twoGib + (256L << 20);
    String header =
        "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
            + "\"filler\":{\"dtype\":\"U8\",\"shape\":["
            + (crossBegin - 8)
            + "],\"data_offsets\":[8,"
            + crossBegin
            + "]},"
            + "\"cross\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":["
            + crossBegin
            + ","
            + (crossBegin + 16)
            + "]},"
            + "\"gap\":{\"dtype\":\"U8\",\"shape\":["
            + (farBegin - crossBegin - 16)
            + "],\"data_offsets\":["
            + (crossBegin + 16)
            + ","
            + farBegin
            + "]},"
            + "\"far\":{\"dtype\":\"I64\",\"shape\":[3],\"data_offsets\":["
            + farBegin
            + ","
            + (farBegin + 24)
            + "]}}";
    byte[] hj = header.getBytes(StandardCharsets.UTF_8);
    long dataStart = 8 + hj.length;
    Path f = tmp.resolve("big.safetensors");
    try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
      raf.setLength(dataStart + farBegin + 24);
      ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(hj.length);
      raf.write(b.array());
      raf.write(hj);
      raf.write(le(4, 1.5f, -2f));
      raf.seek(dataStart + crossBegin);
      raf.write(le(4, 1f, 2f, 3f, 4f));
      raf.seek(dataStart + farBegin);
      ByteBuffer l =
          ByteBuffer.allocate(24)
              .order(ByteOrder.LITTLE_ENDIAN)
              .putLong(7)
              .putLong(-8)
              .putLong(1L << 40);
      raf.write(l.array());
    }
    assertTrue(Files.size(f) > twoGib);
    Safetensors.Header h = Safetensors.readHeader(f);
    try (NDManager m = NDManager.newBaseManager();
        var ch = java.nio.channels.FileChannel.open(f)) {
      assertArrayEquals(
          new float[] {1.5f, -2f}, Safetensors.read(ch, h, h.entries().get("a"), m).toFloatArray());
      NDArray cross = Safetensors.read(ch, h, h.entries().get("cross"), m);
      assertEquals(new Shape(2, 2), cross.getShape());
      assertArrayEquals(new float[] {1f, 2f, 3f, 4f}, cross.toFloatArray());
      assertArrayEquals(
          new long[] {7, -8, 1L << 40},
          Safetensors.read(ch, h, h.entries().get("far"), m).toLongArray());
    }
  }

  private static byte[] le(int unused, float... v) {
    ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (float x : v) {
      b.putFloat(x);
    }
    return b.array();
  }

  @Test
  void tensorsLargerThanOneWindowAreReadInRowBlocks() throws Exception {
    // the window is 1 GiB in production; lowered to 40 bytes, a (5, 4) fp32 tensor (80 bytes) is
    // read as blocks of 2 + 2 + 1 rows and concatenated
    long saved = Safetensors.window;
    long savedWrite = Safetensors.writeBlock;
    Safetensors.window = 40;
    Safetensors.writeBlock = 40; // and written in blocks of 2 rows
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray a = m.arange(0f, 20f).reshape(5, 4);
      Safetensors.save(tmp.resolve("x.safetensors"), Map.of("x", a), Map.of());
      NDArray back = Safetensors.load(tmp.resolve("x.safetensors"), m).get("x");
      assertEquals(new Shape(5, 4), back.getShape());
      assertArrayEquals(a.toFloatArray(), back.toFloatArray());
    } finally {
      Safetensors.window = saved;
      Safetensors.writeBlock = savedWrite;
    }
  }

  @Test
  void roundTripIsBitExactForEveryDtypeAndSharded() throws Exception {
    try (NDManager m = NDManager.newBaseManager()) {
      Map<String, NDArray> t = new LinkedHashMap<>();
      t.put("f32", m.randomNormal(new Shape(3, 5)));
      t.put("f16", m.randomNormal(new Shape(4)).toType(DataType.FLOAT16, false));
      t.put("i64", m.create(new long[] {1, -2, Long.MAX_VALUE}));
      t.put("u8", m.create(new byte[] {1, 2, (byte) 255}).toType(DataType.UINT8, false));
      t.put("scalar", m.create(3.25f));
      Safetensors.save(tmp.resolve("t.safetensors"), t, Map.of("format", "pt"));
      Map<String, NDArray> back = Safetensors.load(tmp.resolve("t.safetensors"), m);
      assertEquals(t.keySet(), back.keySet());
      for (String k : t.keySet()) {
        assertEquals(t.get(k).getDataType(), back.get(k).getDataType(), k);
        assertEquals(t.get(k).getShape(), back.get(k).getShape(), k);
        assertArrayEquals(t.get(k).toByteArray(), back.get(k).toByteArray(), k);
      }
      assertEquals(
          "pt", Safetensors.readHeader(tmp.resolve("t.safetensors")).metadata().get("format"));
      Path dir = Files.createDirectories(tmp.resolve("sharded"));
      Safetensors.saveModelDir(dir, t, 40);
      assertTrue(Files.exists(dir.resolve("model.safetensors.index.json")));
      assertTrue(
          Files.exists(dir.resolve("model-00002-of-00002.safetensors")),
          String.join(",", dir.toFile().list()));
      Map<String, NDArray> sh = Safetensors.loadModelDir(dir, m);
      for (String k : t.keySet()) {
        assertArrayEquals(t.get(k).toByteArray(), sh.get(k).toByteArray(), k);
      }
    }
  }

  @Test
  void bf16IsWidenedToFp32Exactly() throws Exception {
    // bf16 1.0 = 0x3F80, -2.5 = 0xC020
    String header = "{\"w\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[0,4]}}";
    ByteBuffer b = ByteBuffer.allocate(8 + header.length() + 4).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(header.length())
        .put(header.getBytes(StandardCharsets.US_ASCII))
        .putShort((short) 0x3F80)
        .putShort((short) 0xC020);
    Path f = tmp.resolve("bf.safetensors");
    Files.write(f, b.array());
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray w = Safetensors.load(f, m).get("w");
      assertEquals(DataType.FLOAT32, w.getDataType());
      assertArrayEquals(new float[] {1f, -2.5f}, w.toFloatArray());
    }
  }

  @Test
  void corruptAndTruncatedFilesAreNamed() throws Exception {
    try (NDManager m = NDManager.newBaseManager()) {
      Path f = tmp.resolve("ok.safetensors");
      Safetensors.save(f, Map.of("w", m.ones(new Shape(64))), Map.of());
      byte[] all = Files.readAllBytes(f);
      Path trunc = tmp.resolve("trunc.safetensors");
      Files.write(trunc, java.util.Arrays.copyOf(all, all.length - 10));
      String msg =
          assertThrows(IllegalArgumentException.class, () -> Safetensors.load(trunc, m))
              .getMessage();
      assertTrue(
          msg.contains("trunc.safetensors") && msg.contains("'w'") && msg.contains("truncated"),
          msg);
      Path garbage = tmp.resolve("garbage.safetensors");
      Files.writeString(garbage, "this is not a safetensors file at all");
      msg =
          assertThrows(IllegalArgumentException.class, () -> Safetensors.load(garbage, m))
              .getMessage();
      assertTrue(msg.contains("garbage.safetensors") && msg.contains("header length"), msg);
      String overlap =
          "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
              + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}";
      ByteBuffer ob = ByteBuffer.allocate(8 + overlap.length() + 12).order(ByteOrder.LITTLE_ENDIAN);
      ob.putLong(overlap.length()).put(overlap.getBytes(StandardCharsets.US_ASCII));
      Path ov = tmp.resolve("overlap.safetensors");
      Files.write(ov, ob.array());
      msg =
          assertThrows(IllegalArgumentException.class, () -> Safetensors.load(ov, m)).getMessage();
      assertTrue(
          msg.contains("overlap.safetensors") && msg.contains("'b'") && msg.contains("overlapping"),
          msg);
      Path tiny = tmp.resolve("tiny.safetensors");
      Files.write(tiny, new byte[] {1, 2});
      msg =
          assertThrows(IllegalArgumentException.class, () -> Safetensors.load(tiny, m))
              .getMessage();
      assertTrue(msg.contains("shorter than the 8-byte header"), msg);
    }
  }

  @Test
  void pickleCheckpointsAreRefusedWithHowToConvert() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("pt"));
    Files.write(dir.resolve("pytorch_model.bin"), new byte[] {(byte) 0x80, 2});
    try (NDManager m = NDManager.newBaseManager()) {
      String msg =
          assertThrows(IllegalArgumentException.class, () -> Safetensors.loadModelDir(dir, m))
              .getMessage();
      assertTrue(msg.contains("pytorch_model.bin") && msg.contains("safe_serialization=True"), msg);
    }
  }
}
