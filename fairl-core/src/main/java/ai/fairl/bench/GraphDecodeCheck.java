/*
 * A GPU check of the decode path that training and inference use (not the bench's fused kernels):
 * the model's composite attention and RMSNorm, greedy and top-k/top-p sampling, with and without
 * LoRA adapters, decoded through Generator with CUDA graphs and again with graphs off. Capacity is
 * prompt + new tokens = 64 on both sides, so the two run the same kernels over the same shapes and
 * must agree exactly. Prints one line per case and exits non-zero on a mismatch or a fallback.
 *
 * Usage (GPU host, fairl-native env sourced): java -cp 'jars/*' ai.fairl.bench.GraphDecodeCheck
 * [shape] (default Qwen2.5-0.5B). On a CPU it runs the same cases eagerly (no graphs).
 */
package ai.fairl.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.fairl.engine.CudaGraph;
import ai.fairl.engine.FusedOps;
import ai.fairl.generate.GenerationConfig;
import ai.fairl.generate.GenerationResult;
import ai.fairl.generate.Generator;
import ai.fairl.model.AttentionKernel;
import ai.fairl.model.NormKernel;
import ai.fairl.model.TransformerConfig;
import ai.fairl.model.TransformerModel;
import ai.fairl.model.lora.LoraModel;
import java.util.Arrays;
import java.util.List;

/** Graph-vs-eager decoding on the composite kernels (see the file comment). */
public final class GraphDecodeCheck {
  private GraphDecodeCheck() {}

  public static void main(String[] args) {
    String shape = args.length > 0 ? args[0] : "Qwen2.5-0.5B";
    TransformerConfig c = BenchCommand.config(shape);
    Device dev = CudaGraph.available() ? Device.gpu() : Device.cpu();
    DataType dt = dev.isGpu() ? DataType.BFLOAT16 : DataType.FLOAT32;
    int failures = 0;
    try (NDManager root = NDManager.newBaseManager(dev)) {
      BenchRows rows = new BenchRows(root, FusedOps.get(), dt);
      try (TransformerModel m = rows.model(c, 3)) {
        m.setAttentionKernel(AttentionKernel.composite()); // what TrainLoop and the CLIs run
        m.setNormKernel(NormKernel.composite());
        long[][] prompts = new long[4][];
        for (int r = 0; r < prompts.length; r++) {
          prompts[r] = new long[24 + 2 * r]; // left padding: 24..30 tokens
          for (int t = 0; t < prompts[r].length; t++) {
            prompts[r][t] = BenchRows.token(3_000_000, r, t, c.vocabSize());
          }
        }
        int newTokens = 64 - 30; // capacity 64 on both paths
        List<GenerationConfig> cases =
            List.of(
                GenerationConfig.greedy(newTokens).withStopTokens(List.of(-1L)),
                GenerationConfig.sampling(newTokens, 0.7, 50, 0.9, 5).withStopTokens(List.of(-1L)),
                GenerationConfig.sampling(newTokens, 1.0, 0, 0.95, 6).withStopTokens(List.of(-1L)));
        failures += run("base", m, prompts, cases);
        try (LoraModel lora = LoraModel.inject(m, BenchRows.loraConfig(), 1, "check")) {
          failures += run("lora", m, prompts, cases);
        }
      }
    }
    System.out.println(failures == 0 ? "GRAPH CHECK OK" : "GRAPH CHECK FAILED: " + failures);
    if (failures != 0) {
      System.exit(1);
    }
  }

  private static int run(
      String label, TransformerModel m, long[][] prompts, List<GenerationConfig> cases) {
    int failures = 0;
    try (Generator graphs = new Generator(m, null);
        Generator eager = new Generator(m, null)) {
      eager.setCudaGraphs(false);
      for (GenerationConfig cfg : cases) {
        graphs.generate(prompts, cfg, null); // captures
        long t0 = System.nanoTime();
        GenerationResult g = graphs.generate(prompts, cfg, null); // replays
        double s = (System.nanoTime() - t0) / 1e9;
        GenerationResult e = eager.generate(prompts, cfg, null);
        boolean same = true;
        float maxLp = 0;
        for (int r = 0; r < prompts.length; r++) {
          same &= Arrays.equals(g.tokens().get(r), e.tokens().get(r));
          for (int i = 0;
              i < Math.min(g.logProbs().get(r).length, e.logProbs().get(r).length);
              i++) {
            maxLp = Math.max(maxLp, Math.abs(g.logProbs().get(r)[i] - e.logProbs().get(r)[i]));
          }
        }
        String path = graphs.lastDecodePath();
        boolean ok = same && (path.equals("cuda-graph") || !CudaGraph.available());
        failures += ok ? 0 : 1;
        System.out.printf(
            "CHECK %s T=%.1f top_k=%d top_p=%.2f: path %s, tokens %s, max |logprob diff| %.2e,"
                + " %.1f tok/s (batch %d)%n",
            label,
            cfg.temperature(),
            cfg.topK(),
            cfg.topP(),
            path,
            same ? "identical" : "DIFFER",
            maxLp,
            prompts.length * (double) cfg.maxNewTokens() / s,
            prompts.length);
      }
    }
    return failures;
  }
}
