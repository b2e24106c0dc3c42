package ai.fairl.model.lora;

import ai.fairl.model.TransformerConfig;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Storage of a real-size model's frozen weights in bf16, NF4 (with and without double quantisation)
 * and int8, computed from its config (no weights needed): every decoder projection is quantised,
 * embeddings, norms and the LM head stay bf16 (as bitsandbytes leaves them).
 *
 * <pre>
 * java -cp ... ai.fairl.model.lora.QuantMemoryReport [path/to/config.json]   (default: Llama-3-8B)
 * </pre>
 */
public final class QuantMemoryReport {
  private QuantMemoryReport() {}

  /** Llama-3-8B's shape (meta-llama/Meta-Llama-3-8B config.json). */
  static final int[] LLAMA3_8B = {4096, 14336, 32, 32, 8, 128256, 128};

  public static void main(String[] args) {
    long hidden;
    long inter;
    long layers;
    long heads;
    long kv;
    long vocab;
    long headDim;
    boolean tied;
    String name;
    if (args.length > 0) {
      TransformerConfig c = TransformerConfig.load(Path.of(args[0]));
      hidden = c.hiddenSize();
      inter = c.intermediateSize();
      layers = c.numLayers();
      heads = c.numHeads();
      kv = c.numKvHeads();
      vocab = c.vocabSize();
      headDim = c.headDim();
      tied = c.tieWordEmbeddings();
      name = args[0];
    } else {
      hidden = LLAMA3_8B[0];
      inter = LLAMA3_8B[1];
      layers = LLAMA3_8B[2];
      heads = LLAMA3_8B[3];
      kv = LLAMA3_8B[4];
      vocab = LLAMA3_8B[5];
      headDim = LLAMA3_8B[6];
      tied = false;
      name = "Llama-3-8B (built-in shape)";
    }
    Map<String, long[]> projections = new LinkedHashMap<>(); // name -> {out, in}
    projections.put("q_proj", new long[] {heads * headDim, hidden});
    projections.put("k_proj", new long[] {kv * headDim, hidden});
    projections.put("v_proj", new long[] {kv * headDim, hidden});
    projections.put("o_proj", new long[] {hidden, heads * headDim});
    projections.put("gate_proj", new long[] {inter, hidden});
    projections.put("up_proj", new long[] {inter, hidden});
    projections.put("down_proj", new long[] {hidden, inter});
    long projParams = 0;
    long nf4 = 0;
    long nf4dq = 0;
    long int8 = 0;
    for (long[] s : projections.values()) {
      long n = s[0] * s[1];
      projParams += n * layers;
      nf4 += FourBitWeightStore.storageBytes(n, false) * layers;
      nf4dq += FourBitWeightStore.storageBytes(n, true) * layers;
      int8 += Int8WeightStore.storageBytes(s[0], s[1]) * layers;
    }
    long rest = vocab * hidden * (tied ? 1 : 2) + (2 * layers + 1) * hidden; // embed, head, norms
    long bf16 = 2 * (projParams + rest);
    long restBytes = 2 * rest;
    System.out.printf(
        Locale.ROOT,
        "%s: %,d parameters (%,d in decoder projections)%n",
        name,
        projParams + rest,
        projParams);
    row("bf16", bf16, bf16);
    row("int8 (load_in_8bit)", int8 + restBytes, bf16);
    row("nf4 (load_in_4bit)", nf4 + restBytes, bf16);
    row("nf4 + double quant", nf4dq + restBytes, bf16);
  }

  private static void row(String what, long bytes, long base) {
    System.out.printf(
        Locale.ROOT,
        "  %-22s %8.2f GiB  (saves %5.1f%%)%n",
        what,
        bytes / (double) (1L << 30),
        100.0 * (base - bytes) / base);
  }
}
