package ai.fairl.infer;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/** A stand-in model whose answers are a function of the prompt text. */
public final class ScriptedGenerator implements TextGenerator {
  private final String name;
  private final int batch;
  private final Function<String, String> answer;
  public final List<Integer> batchSizes = new ArrayList<>();
  public final List<Prompt> seen = new ArrayList<>();

  public ScriptedGenerator(String name, int batch, Function<String, String> answer) {
    this.name = name;
    this.batch = batch;
    this.answer = answer;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public int batchSize() {
    return batch;
  }

  @Override
  public List<Completion> generate(List<Prompt> prompts, GenerationParams params) {
    batchSizes.add(prompts.size());
    seen.addAll(prompts);
    List<Completion> out = new ArrayList<>();
    for (Prompt p : prompts) {
      String a = answer.apply(p.user());
      out.add(a == null ? Completion.failed("scripted failure") : Completion.ok(a, 1, 1));
    }
    return out;
  }
}
