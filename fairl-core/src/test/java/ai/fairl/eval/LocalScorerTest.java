package ai.fairl.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.fairl.infer.LocalGenerator;
import ai.fairl.model.Tokenizer;
import ai.fairl.model.TransformerModel;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Log-likelihoods of padded batches equal those of each sequence alone, computed by hand. */
class LocalScorerTest {
  @Test
  void batchedChoiceLogLikelihoodsMatchOneSequenceAtATime() {
    check(List.of(" A", " B", " longer answer", " D"));
  }

  @Test
  void theOnePassPathForLettersMatchesOneSequenceAtATime() {
    check(List.of(" A", " B", " C", " D"));
  }

  @Test
  void aBatchOfQuestionsScoresAsEachAlone() {
    List<String> ctx =
        List.of(
            "Short?\nAnswer:", "A longer question, with more words in it?\nAnswer:", "Q3\nAnswer:");
    List<List<String>> conts =
        List.of(List.of(" A", " B", " C", " D"), List.of(" yes", " no"), List.of(" A", " B"));
    try (LocalScorer s = LocalScorer.open("tiny:llama", 5, 8)) {
      List<double[]> batch = s.logLikelihoods(ctx, conts);
      for (int q = 0; q < 3; q++) {
        double[] alone = s.logLikelihoods(ctx.get(q), conts.get(q));
        assertEquals(alone.length, batch.get(q).length);
        for (int i = 0; i < alone.length; i++) {
          assertEquals(alone[i], batch.get(q)[i], 1e-4, "question " + q + " choice " + i);
        }
      }
    }
  }

  void check(List<String> conts) {
    String context = "The following are multiple choice questions.\n\nQ?\nA. x\nB. yy\nAnswer:";
    double[] got;
    try (LocalScorer s = LocalScorer.open("tiny:qwen3", 3)) {
      got = s.logLikelihoods(context, conts);
    }
    try (LocalGenerator g = LocalGenerator.open("tiny:qwen3", 1, 3)) {
      Tokenizer tok = g.tokenizer();
      TransformerModel model = g.model();
      int ctxLen = tok.encode(context, false).length;
      for (int i = 0; i < conts.size(); i++) {
        long[] ids = tok.encode(context + conts.get(i), false);
        double want = 0;
        try (NDManager m = model.manager().newSubManager()) {
          NDArray logits =
              model
                  .forward(
                      m.create(ids, new Shape(1, ids.length)),
                      m.ones(new Shape(1, ids.length), ai.djl.ndarray.types.DataType.INT64),
                      null,
                      null,
                      false)
                  .logits();
          NDArray logp = logits.logSoftmax(-1);
          for (int t = ctxLen; t < ids.length; t++) {
            want += logp.getFloat(0, t - 1, ids[t]);
          }
        }
        assertEquals(want, got[i], 1e-4, "continuation " + i);
      }
    }
  }
}
