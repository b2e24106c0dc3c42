package ai.fairl.generate;

import ai.djl.ndarray.NDManager;
import ai.fairl.model.Models;
import ai.fairl.model.Precision;
import ai.fairl.model.Tokenizer;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code fairl generate}: generates from a local model directory, a Hub id or a {@code tiny:}
 * model, streaming the text to stdout.
 *
 * <p>Example: {@code fairl generate --model ./my-model --chat --prompt "What is 2+2?"
 * --max-new-tokens 64}
 */
@Command(
    name = "generate",
    mixinStandardHelpOptions = true,
    description =
        "Generate text from a local model directory, a Hugging Face Hub id or tiny:<family>.")
public final class GenerateMain implements Callable<Integer> {
  @Option(
      names = "--model",
      required = true,
      description = "model directory, Hub id (org/name[@rev]) or tiny:llama|qwen2|qwen3|mistral")
  String model;

  @Option(names = "--prompt", required = true, description = "prompt text; repeat for a batch")
  List<String> prompts = new ArrayList<>();

  @Option(
      names = "--chat",
      description = "wrap each prompt as a user message in the tokenizer's chat template")
  boolean chat;

  @Option(names = "--system", description = "system message for --chat")
  String system;

  @Option(names = "--max-new-tokens", defaultValue = "128")
  int maxNewTokens;

  @Option(names = "--temperature", defaultValue = "0", description = "0 = greedy")
  double temperature;

  @Option(names = "--top-k", defaultValue = "0")
  int topK;

  @Option(names = "--top-p", defaultValue = "1.0")
  double topP;

  @Option(names = "--seed", defaultValue = "0")
  long seed;

  @Option(names = "--stop", description = "stop string; repeatable")
  List<String> stops = new ArrayList<>();

  @Option(
      names = "--dtype",
      defaultValue = "float32",
      description = "float32, float16 or bfloat16 (bf16 runs as fp32 on CPU)")
  String dtype;

  @Option(names = "--debug", description = "print stack traces")
  boolean debug;

  @Override
  public Integer call() {
    PrintWriter out = new PrintWriter(System.out, true);
    try (NDManager m = NDManager.newBaseManager();
        Models.Loaded loaded = Models.load(model, m, Precision.parse(dtype), seed)) {
      Tokenizer tok = loaded.tokenizer();
      if (tok == null) {
        throw new IllegalArgumentException(
            model + " has no tokenizer.json; generate needs one for text prompts");
      }
      List<String> texts = new ArrayList<>();
      for (String p : prompts) {
        if (chat) {
          List<java.util.Map<String, Object>> msgs = new ArrayList<>();
          if (system != null) {
            msgs.add(Tokenizer.message("system", system));
          }
          msgs.add(Tokenizer.message("user", p));
          texts.add(tok.applyChatTemplate(msgs, true));
        } else {
          texts.add(p);
        }
      }
      GenerationConfig cfg =
          new GenerationConfig(maxNewTokens, temperature, topK, topP, seed, List.of(), stops);
      boolean stream = texts.size() == 1;
      GenerationResult r =
          new Generator(loaded.model(), tok)
              .generateText(
                  texts,
                  cfg,
                  stream
                      ? (row, id, delta) -> {
                        out.print(delta);
                        out.flush();
                      }
                      : null);
      if (stream) {
        out.println();
      } else {
        for (int i = 0; i < texts.size(); i++) {
          out.println("[" + i + "] " + r.texts().get(i));
        }
      }
      System.err.println(
          "finish: "
              + r.finishReasons()
              + ", tokens: "
              + r.tokens().stream().mapToInt(t -> t.length).sum());
      return 0;
    } catch (RuntimeException e) {
      System.err.println("error: " + e.getMessage());
      if (debug) {
        e.printStackTrace();
      } else {
        System.err.println("hint: add --debug for the stack trace");
      }
      return 1;
    }
  }

  public static void main(String[] args) {
    System.exit(new CommandLine(new GenerateMain()).execute(args));
  }
}
