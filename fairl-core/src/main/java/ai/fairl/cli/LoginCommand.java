package ai.fairl.cli;

import ai.fairl.setup.Credentials;
import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code fairl login huggingface|wandb}: stores a key where the Python tools keep it ({@code
 * $HF_HOME/token}, the {@code ~/.netrc} entry of {@code api.wandb.ai}). The key is read from the
 * terminal without echo, or from standard input when piped; it is never printed.
 */
@Command(
    name = "login",
    mixinStandardHelpOptions = true,
    description = {
      "Store a Hugging Face token or a W&B API key where huggingface-cli and wandb keep them.",
      "The key is read without echo from the terminal, or from standard input (echo KEY | fairl"
          + " login wandb)."
    })
final class LoginCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "SERVICE", description = "huggingface (alias hf) or wandb")
  String service;

  @Override
  public Integer call() throws IOException {
    Session session = Cli.current();
    Credentials creds = new Credentials(session.env, home(session));
    String s = service.toLowerCase(java.util.Locale.ROOT);
    if (!s.equals("huggingface") && !s.equals("hf") && !s.equals("wandb")) {
      throw new UsageException(
          "unknown service '" + service + "'",
          "use: fairl login huggingface, or fairl login wandb");
    }
    boolean hf = !s.equals("wandb");
    String key = readKey(hf ? "Hugging Face token: " : "W&B API key: ");
    try {
      Path where = hf ? creds.saveHuggingFaceToken(key) : creds.saveWandbKey(key);
      session.out.println((hf ? "Hugging Face token" : "W&B API key") + " saved to " + where);
      return 0;
    } catch (IllegalArgumentException e) {
      throw new UsageException(e.getMessage(), "fairl login " + s + " and paste the key");
    }
  }

  /** HOME from the session's environment when set (tests and sudo -E), else user.home. */
  static Path home(Session s) {
    String h = s.env.get("HOME");
    return h != null && !h.isBlank() ? Path.of(h) : Path.of(System.getProperty("user.home"));
  }

  private static String readKey(String prompt) throws IOException {
    Console console = System.console();
    if (console != null) {
      char[] k = console.readPassword(prompt);
      return k == null ? "" : new String(k);
    }
    BufferedReader in =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String line = in.readLine();
    return line == null ? "" : line;
  }
}
