package ai.fairl.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bucket plans, torchrun's environment and FAI-RL's DeepSpeed configs. */
class DataParallelPartsTest {

  private static Map<String, Long> sizes(Object... nameBytes) {
    Map<String, Long> m = new LinkedHashMap<>();
    for (int i = 0; i < nameBytes.length; i += 2) {
      m.put((String) nameBytes[i], ((Number) nameBytes[i + 1]).longValue());
    }
    return m;
  }

  @Test
  void bucketsFillInReverseOrderUpToTheCap() {
    // registration order embed, l0, l1, norm, head; backward finishes head first
    Map<String, Long> b = sizes("embed", 400, "l0", 100, "l1", 100, "norm", 10, "head", 300);
    BucketPlan p = BucketPlan.plan(b, 320);
    assertEquals(
        List.of(List.of("head", "norm"), List.of("l1", "l0"), List.of("embed")), p.buckets());
    assertEquals(List.of(310L, 200L, 400L), p.bucketBytes(b), "oversized embed: its own bucket");
    assertEquals(Map.of("head", 0, "norm", 0, "l1", 1, "l0", 1, "embed", 2), p.index());
    assertEquals(
        List.of(List.of("head", "norm", "l1", "l0", "embed")),
        BucketPlan.plan(b, 1 << 20).buckets());
    assertEquals(5, BucketPlan.plan(b, 1).buckets().size(), "cap below every size: one each");
    assertThrows(IllegalArgumentException.class, () -> BucketPlan.plan(b, 0));
    assertTrue(BucketPlan.plan(Map.of(), 10).buckets().isEmpty());
  }

  @Test
  void everyParameterLandsInExactlyOneBucket() {
    Map<String, Long> b = new LinkedHashMap<>();
    java.util.Random r = new java.util.Random(5);
    for (int i = 0; i < 200; i++) {
      b.put("p" + i, (long) r.nextInt(5000));
    }
    BucketPlan p = BucketPlan.plan(b, 25_000);
    assertEquals(200, p.index().size());
    long total = p.bucketBytes(b).stream().mapToLong(Long::longValue).sum();
    assertEquals(b.values().stream().mapToLong(Long::longValue).sum(), total);
    for (int i = 0; i < p.buckets().size(); i++) {
      long bytes = p.bucketBytes(b).get(i);
      assertTrue(bytes <= 25_000 || p.buckets().get(i).size() == 1, "bucket " + i + ": " + bytes);
    }
  }

  @Test
  void torchrunEnvironment() {
    assertTrue(WorldEnv.fromEnv(Map.of()).isEmpty(), "no WORLD_SIZE: not a worker");
    WorldEnv w =
        WorldEnv.fromEnv(
                Map.of(
                    "WORLD_SIZE",
                    "4",
                    "RANK",
                    "3",
                    "LOCAL_RANK",
                    "1",
                    "LOCAL_WORLD_SIZE",
                    "2",
                    "MASTER_ADDR",
                    "node0",
                    "MASTER_PORT",
                    "29400"))
            .orElseThrow();
    assertEquals(new WorldEnv(3, 1, 4, 2, "node0", 29400), w);
    assertEquals(w, WorldEnv.fromEnv(w.toEnv()).orElseThrow(), "round trip");
    WorldEnv d = WorldEnv.fromEnv(Map.of("WORLD_SIZE", "2", "RANK", "1")).orElseThrow();
    assertEquals(new WorldEnv(1, 1, 2, 2, "127.0.0.1", 29500), d, "torchrun's defaults");
    assertTrue(!d.isMain() && WorldEnv.single().isMain());
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> WorldEnv.fromEnv(Map.of("WORLD_SIZE", "2", "RANK", "2")));
    assertEquals("RANK must be in [0, WORLD_SIZE=2), got 2", e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> WorldEnv.fromEnv(Map.of("WORLD_SIZE", "two", "RANK", "0")));
    assertEquals("WORLD_SIZE must be an integer, got 'two'", e.getMessage());
  }

  @Test
  void faiRlZeroConfigsMapToDataParallel(@TempDir Path dir) throws Exception {
    Path root = Path.of(System.getProperty("fairl.root"));
    ZeroConfig z1 = ZeroConfig.read(root.resolve("configs/deepspeed/zero1_config.json"));
    assertEquals(1, z1.stage());
    assertEquals(2_000_000_000L, z1.bucketBytes(), "reduce_bucket_size 5e8 elements x 4 bytes");
    z1.checkSupported(8, "sft");
    String all = String.join("\n", z1.notices());
    assertTrue(all.contains("ZeRO stage 1 runs as data parallel with full replicas"), all);
    assertTrue(all.contains("zero_optimization.overlap_comm has no effect here"), all);
    assertTrue(all.contains("zero_optimization.allgather_bucket_size has no effect here"), all);
    assertTrue(all.contains("gradient_clipping has no effect here"), all);
    assertTrue(!all.contains("train_batch_size"), "\"auto\" batch sizes need no notice");

    ZeroConfig z3 = ZeroConfig.read(root.resolve("configs/deepspeed/zero3_config.json"));
    assertEquals(3, z3.stage());
    z3.checkSupported(1, "grpo"); // one process: accepted, nothing to shard
    z3.checkSupported(2, "sft"); // full sharding
    z3.checkSupported(2, "dpo");
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> z3.checkSupported(2, "GRPO"));
    assertTrue(
        e.getMessage()
            .contains(
                "asks for ZeRO stage 3 (fully sharded parameters), which grpo does not support"
                    + " here"),
        e.getMessage());
    String n3 = String.join("\n", z3.notices());
    assertTrue(n3.contains("zero_optimization.stage3_prefetch_bucket_size has no effect here"), n3);
    assertTrue(
        n3.contains("zero_optimization.stage3_gather_16bit_weights_on_model_save has no effect"),
        n3);
    assertTrue(
        n3.contains("zero_optimization.offload_optimizer.device \"cpu\" has no effect here"), n3);
    ZeroConfig z3auto = ZeroConfig.read(root.resolve("configs/deepspeed/zero3_auto_config.json"));
    assertTrue(
        !String.join("\n", z3auto.notices()).contains("offload"),
        String.join("\n", z3auto.notices()));

    Path stage2 = dir.resolve("zero2.json");
    Files.writeString(
        stage2,
        "{\"zero_optimization\": {\"stage\": 2, \"reduce_scatter\": true,"
            + " \"reduce_bucket_size\": 5e8, \"overlap_comm\": true}}");
    ZeroConfig z2 = ZeroConfig.read(stage2);
    z2.checkSupported(4, "grpo"); // parameters stay replicated: generation works
    String n2 = String.join("\n", z2.notices());
    assertTrue(n2.contains("zero_optimization.reduce_scatter has no effect here: stage 2"), n2);
    assertTrue(n2.contains("zero_optimization.reduce_bucket_size has no effect here"), n2);
    assertTrue(n2.contains("reduce-scattered per decoder layer after the backward pass"), n2);
    assertTrue(!n2.contains("full replicas"), n2);

    Path stage0 = dir.resolve("plain.json");
    Files.writeString(stage0, "{\"train_batch_size\": 64}");
    ZeroConfig z0 = ZeroConfig.read(stage0);
    assertEquals(0, z0.stage());
    assertEquals(BucketPlan.DEFAULT_CAP_BYTES, z0.bucketBytes());
    assertEquals(1, z0.notices().size());
    assertTrue(z0.notices().get(0).contains("train_batch_size has no effect here"));

    Path bad = dir.resolve("bad.json");
    Files.writeString(bad, "{\"zero_optimization\": {\"stage\": \"two\"}}");
    e = assertThrows(IllegalArgumentException.class, () -> ZeroConfig.read(bad));
    assertTrue(
        e.getMessage()
            .contains("zero_optimization.stage must be a number or \"auto\", got \"two\""),
        e.getMessage());
  }

  @Test
  void shardArithmeticPadsUnevenSizes() {
    ShardSpec even = ShardSpec.of(8, 2);
    assertEquals(4, even.shardSize());
    assertEquals(0, even.padding());
    assertEquals(4, even.start(1));
    assertEquals(4, even.validLength(1));

    ShardSpec uneven = ShardSpec.of(10, 4); // 3 + 3 + 3 + 1, padded with 2 zeros
    assertEquals(3, uneven.shardSize());
    assertEquals(12, uneven.paddedNumel());
    assertEquals(2, uneven.padding());
    assertEquals(List.of(0L, 3L, 6L, 9L), List.of(0, 1, 2, 3).stream().map(uneven::start).toList());
    assertEquals(
        List.of(3L, 3L, 3L, 1L), List.of(0, 1, 2, 3).stream().map(uneven::validLength).toList());

    ShardSpec tiny = ShardSpec.of(2, 4); // fewer elements than ranks: the last ranks hold padding
    assertEquals(1, tiny.shardSize());
    assertEquals(
        List.of(1L, 1L, 0L, 0L), List.of(0, 1, 2, 3).stream().map(tiny::validLength).toList());

    ShardSpec one = ShardSpec.of(7, 1);
    assertEquals(7, one.shardSize());
    assertEquals(0, one.padding());

    long sum = 0;
    ShardSpec big = ShardSpec.of(128_256L * 2048, 3);
    for (int r = 0; r < 3; r++) {
      sum += big.validLength(r);
    }
    assertEquals(128_256L * 2048, sum, "the valid parts cover the parameter exactly once");

    assertThrows(IllegalArgumentException.class, () -> ShardSpec.of(0, 2));
    assertThrows(IllegalArgumentException.class, () -> ShardSpec.of(5, 0));
    assertThrows(IllegalArgumentException.class, () -> new ShardSpec(10, 4, 2));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> uneven.start(4));
    assertTrue(e.getMessage().contains("rank must be in [0, 4)"), e.getMessage());
  }

  @Test
  void parametersGroupByDecoderLayer() {
    assertEquals(0, FullySharded.layerOf("model.layers.0.self_attn.q_proj.weight"));
    assertEquals(17, FullySharded.layerOf("model.layers.17.mlp.down_proj.lora_A.weight"));
    assertEquals(3, FullySharded.layerOf("base_model.model.model.layers.3.input_layernorm.weight"));
    assertEquals(FullySharded.OUTSIDE, FullySharded.layerOf("model.embed_tokens.weight"));
    assertEquals(FullySharded.OUTSIDE, FullySharded.layerOf("model.norm.weight"));
    assertEquals(FullySharded.OUTSIDE, FullySharded.layerOf("lm_head.weight"));
    assertEquals(FullySharded.OUTSIDE, FullySharded.layerOf("model.sublayers.2.weight"));
  }
}
