package ai.fairl.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Runs `fairl bench --device cpu --tiny` end to end and checks the JSON it writes. */
class BenchCommandTest {

  @Test
  void tinyCpuBenchWritesEveryRowWithPositiveFiniteNumbers(@TempDir Path dir) throws Exception {
    Path out = dir.resolve("bench.json");
    int rc =
        new CommandLine(new BenchCommand())
            .execute("--device", "cpu", "--tiny", "--out", out.toString());
    assertEquals(0, rc, "bench exit code");
    JsonObject j = JsonParser.parseString(Files.readString(out)).getAsJsonObject();
    for (String k : List.of("card", "engine", "fused_ops", "device", "dtype", "tokens")) {
      assertTrue(j.has(k), "missing top-level key " + k);
    }
    assertEquals("cpu", j.get("device").getAsString());
    assertTrue(j.get("tiny").getAsBoolean());
    JsonObject rows = j.getAsJsonObject("rows");
    Map<String, List<String>> expected =
        Map.of(
            "tiny-qwen2",
            List.of("sft_full", "sft_amp", "lora_r8", "decode_b1", "decode_b64", "dpo", "grpo"),
            "tiny-llama",
            List.of("sft_full", "sft_amp", "lora_r8", "decode_b1", "decode_b64", "qlora"));
    Map<String, List<String>> numbers =
        Map.of(
            "sft_full", List.of("tokens_per_s", "mfu", "step_s", "peak_gb", "params", "last_loss"),
            "sft_amp", List.of("tokens_per_s", "mfu", "step_s", "params", "last_loss"),
            "lora_r8", List.of("tokens_per_s", "mfu", "step_s", "peak_gb", "last_loss"),
            "decode_b1", List.of("tokens_per_s", "seconds", "new_tokens"),
            "decode_b64", List.of("tokens_per_s", "seconds", "new_tokens"),
            "dpo", List.of("pairs_per_s", "tokens_per_s", "step_s", "peak_gb", "last_loss"),
            "grpo",
                List.of(
                    "generation_s", "logprob_s", "update_s", "step_s", "peak_gb", "completions"),
            "qlora", List.of("peak_gb", "tokens_per_s", "projection_bytes_nf4", "last_loss"));
    for (Map.Entry<String, List<String>> shape : expected.entrySet()) {
      JsonObject s = rows.getAsJsonObject(shape.getKey());
      assertTrue(s != null, "no rows for " + shape.getKey() + " in " + rows.keySet());
      for (String row : shape.getValue()) {
        JsonObject r = s.getAsJsonObject(row);
        assertTrue(r != null, shape.getKey() + " has no row " + row + ": " + s.keySet());
        assertFalse(r.has("error"), shape.getKey() + " " + row + ": " + r.get("error"));
        for (String key : numbers.get(row)) {
          JsonElement v = r.get(key);
          assertTrue(
              v != null && v.isJsonPrimitive(), shape.getKey() + " " + row + " lacks " + key);
          double d = v.getAsDouble();
          assertTrue(
              Double.isFinite(d) && d > 0, shape.getKey() + " " + row + " " + key + " = " + d);
        }
      }
    }
    // the loss of a random-init model on random tokens is near ln(vocab = 256) = 5.55
    double loss =
        rows.getAsJsonObject("tiny-qwen2")
            .getAsJsonObject("sft_full")
            .get("last_loss")
            .getAsDouble();
    assertTrue(loss > 4 && loss < 7, "sft loss " + loss);
    double recipeLoss =
        rows.getAsJsonObject("tiny-llama")
            .getAsJsonObject("sft_amp")
            .get("last_loss")
            .getAsDouble();
    assertTrue(recipeLoss > 4 && recipeLoss < 7, "recipe-path sft loss " + recipeLoss);
  }

  @Test
  void unknownRowIsAUsageError(@TempDir Path dir) {
    int rc =
        new CommandLine(new BenchCommand())
            .execute(
                "--device",
                "cpu",
                "--tiny",
                "--rows",
                "sft,nope",
                "--out",
                dir.resolve("b.json").toString());
    assertEquals(2, rc);
  }

  @Test
  void tokensMatchTheBaselineScriptsHash() {
    // values computed by tools/bench/baseline.py's hash_tokens (and Python's int arithmetic)
    assertEquals(121336, BenchRows.token(0, 0, 0, 151936));
    assertEquals(39390, BenchRows.token(3, 7, 511, 151936));
    assertEquals(119312, BenchRows.token(1000000, 63, 31, 151936));
  }
}
