package ai.fairl.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.fairl.infer.GenerationParams;
import ai.fairl.infer.ModelLoader;
import ai.fairl.train.StopSignal;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code fai-rl-eval --debug}: each rendered prompt and the start of each response, as FAI-RL. */
class EvalDebugTest {

  private static EvalSpec spec(Path output) {
    return EvalSpec.builder()
        .dataset(SharedData.dir().resolve("gsm8k").toString(), null, "test")
        .outputFile(output)
        .model("local/tiny")
        .maxExamples(2)
        .params(GenerationParams.greedy(64))
        .build();
  }

  @Test
  void debugPrintsEveryPromptAndTheStartOfItsResponse(@TempDir Path dir) {
    EvalSpec spec = spec(dir.resolve("gsm8k.csv"));
    List<Evaluation.Question> qs = Evaluation.questions(spec);
    String longAnswer = "Step by step. ".repeat(30) + "#### ";
    ModelLoader loader =
        (path, batch) -> new EvaluationTest.Scripted(path, qs, (i, gold) -> longAnswer + gold);
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    PrintStream console = new PrintStream(buf, true, StandardCharsets.UTF_8);
    EvalResult r = Evaluation.run(spec, loader, null, k -> null, new StopSignal(), console, true);
    String out = buf.toString(StandardCharsets.UTF_8);
    for (Evaluation.Question q : qs) {
      assertTrue(out.contains("PROMPT:\n" + q.prompt()), "prompt " + q.index() + " in:\n" + out);
    }
    assertTrue(out.contains("RESPONSE:\n" + longAnswer.substring(0, 200) + "...\n"), out);
    assertEquals(2, r.overall().get("local/tiny").correct(), r.overall().toString());

    ByteArrayOutputStream quiet = new ByteArrayOutputStream();
    Evaluation.run(
        spec(dir.resolve("quiet.csv")),
        loader,
        null,
        k -> null,
        new StopSignal(),
        new PrintStream(quiet, true, StandardCharsets.UTF_8),
        false);
    assertTrue(
        !quiet.toString(StandardCharsets.UTF_8).contains("PROMPT:\n"),
        "no prompts without --debug");
  }
}
