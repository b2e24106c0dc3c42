/*
 * Writes the inputs of the per-choice log-likelihood goldens (tools/golden/mmlu_loglik.py): a tiny
 * Llama (GQA, llama3 rope scaling, tied embeddings, the project's character tokenizer) saved with
 * our safetensors writer, and ten MMLU test questions (with a one-shot dev example for two of
 * them) as raw data, so that the Python side formats the lm-evaluation-harness prompt itself.
 * Weights are drawn with std 0.1 instead of 0.02 so that the choices' log-likelihoods differ by
 * more than the test's tolerance.
 */
package ai.fairl.eval;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.fairl.model.Models;
import ai.fairl.model.Tokenizer;
import ai.fairl.model.Tokenizers;
import ai.fairl.model.TransformerConfig;
import ai.fairl.model.TransformerModel;
import com.google.gson.GsonBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code main(outDir, sharedDataDir)}: writes outDir/model/ and outDir/questions.json. */
final class LoglikGoldenInputs {
  /** Subject, index in its test split, shots from dev, and whether the choice texts are scored. */
  record Pick(String subject, int index, int shots, boolean texts) {}

  static final List<Pick> PICKS =
      List.of(
          new Pick("abstract_algebra", 0, 0, false),
          new Pick("anatomy", 3, 0, false),
          new Pick("college_physics", 5, 0, false),
          new Pick("high_school_geography", 1, 0, false),
          new Pick("marketing", 2, 0, false),
          new Pick("philosophy", 7, 0, false),
          new Pick("astronomy", 0, 1, false),
          new Pick("nutrition", 4, 1, false),
          new Pick("sociology", 6, 0, true),
          new Pick("world_religions", 1, 0, true));

  private LoglikGoldenInputs() {}

  public static void main(String[] args) throws IOException {
    Path out = Path.of(args[0]);
    String data = Path.of(args[1]).resolve("mmlu").toString();
    TransformerConfig t = Models.tinyConfig("llama");
    TransformerConfig c =
        new TransformerConfig(
            t.architecture(),
            t.modelType(),
            t.vocabSize(),
            t.hiddenSize(),
            t.intermediateSize(),
            t.numLayers(),
            t.numHeads(),
            t.numKvHeads(),
            t.headDim(),
            t.ropeTheta(),
            t.ropeScaling(),
            t.rmsNormEps(),
            t.maxPositionEmbeddings(),
            t.tieWordEmbeddings(),
            t.attentionBias(),
            t.qkNorm(),
            t.slidingWindow(),
            t.numLabels(),
            0.1,
            t.bosTokenId(),
            t.eosTokenIds(),
            t.padTokenId(),
            t.torchDtype());
    try (NDManager m = NDManager.newBaseManager();
        Tokenizer tok = Tokenizers.charLevel(Models.TINY_ALPHABET)) {
      TransformerModel model = TransformerModel.create(c, m, DataType.FLOAT32, 20261126L);
      model.save(out.resolve("model"));
      tok.save(out.resolve("model"));
    }
    List<Map<String, Object>> cases = new ArrayList<>();
    for (Pick p : PICKS) {
      MmluQuestion q = BenchmarkData.mmlu(data, List.of(p.subject()), "test").get(p.index());
      List<MmluQuestion> dev = BenchmarkData.mmlu(data, List.of(p.subject()), "dev");
      Map<String, Object> e = new LinkedHashMap<>();
      e.put("id", p.subject() + "/" + p.index());
      e.put("question", raw(q));
      e.put("shots", dev.subList(0, p.shots()).stream().map(LoglikGoldenInputs::raw).toList());
      e.put("score_choice_texts", p.texts());
      cases.add(e);
    }
    Files.writeString(
        out.resolve("questions.json"),
        new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create().toJson(cases) + "\n");
  }

  private static Map<String, Object> raw(MmluQuestion q) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("subject", q.subject());
    m.put("question", q.question());
    m.put("choices", q.choices());
    m.put("answer", q.answer());
    return m;
  }
}
