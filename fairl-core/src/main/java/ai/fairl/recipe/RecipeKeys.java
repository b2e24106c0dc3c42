package ai.fairl.recipe;

import java.io.IOException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Generates {@code docs/recipe-keys.md} from the records' {@link Key} annotations, so the reference
 * cannot drift from the code (a test compares the committed file with this output). Run {@code
 * main} with the output path to regenerate.
 */
public final class RecipeKeys {
  private RecipeKeys() {}

  /** The whole reference page. */
  public static String markdown() {
    StringBuilder sb = new StringBuilder();
    sb.append("# Recipe keys\n\n");
    sb.append(
        "Generated from the recipe records (`ai.fairl.recipe`, `@Key` annotations) by"
            + " `RecipeKeys`; `RecipeKeysDocTest` fails when this file is stale. Regenerate:\n"
            + "`mvn -B -q -o -pl fairl-core test -Dtest=RecipeKeysDocTest"
            + " -Dfairl.docs.update=true`.\n\n");
    sb.append(
        "Every key of FAI-RL's recipes is accepted (origin **FAI-RL**). Keys FAI-RL left at"
            + " TRL or transformers defaults are exposed with those defaults (origin **TRL**,"
            + " **transformers**); our own additions say **ours**. *no effect here* marks"
            + " keys accepted for compatibility that change nothing in this implementation (`--dry-run`"
            + " prints why). Keys of features we lack (`image_columns`, `video_*`, algorithm"
            + " `sft_vlm`, `s3.enabled: true`, `s3://` paths) are errors naming the key.\n\n");
    sb.append(
        "Values: YAML 1.2 (`3e-4` is a number); `null` means \"use the default\"; strings may use"
            + " `${env:NAME}` (an unset variable is an error naming it). Secrets (keys named"
            + " `*key*`, `*token*`, `*secret*`, `*password*`, `authorization`) print as `***`.\n\n");
    section(sb, "Training recipe", TrainingRecipe.class, "");
    section(sb, "Inference recipe", InferenceRecipe.class, "");
    section(sb, "Evaluation recipe", EvaluationRecipe.class, "");
    return sb.toString();
  }

  private static void section(StringBuilder sb, String title, Class<?> root, String prefix) {
    sb.append("## ").append(title).append("\n\n");
    for (RecordComponent c : root.getRecordComponents()) {
      Key k = c.getAnnotation(Key.class);
      String name = Binder.join(prefix, Binder.keyName(c));
      sb.append("### `").append(name).append(":`\n\n").append(k.doc());
      sb.append(
          k.required()
              ? " Required."
              : k.def().equals("{}") ? " Optional (defaults)." : " Optional.");
      sb.append("\n\n");
      table(sb, c.getType(), name);
    }
  }

  private static void table(StringBuilder sb, Class<?> type, String prefix) {
    sb.append("| key | default | origin | allowed | what |\n|---|---|---|---|---|\n");
    List<RecordComponent> nested = new java.util.ArrayList<>();
    for (RecordComponent c : type.getRecordComponents()) {
      Key k = c.getAnnotation(Key.class);
      String key = Binder.keyName(c);
      if (c.getGenericType() instanceof ParameterizedType pt
          && pt.getActualTypeArguments()[0] == DatasetSpec.class) {
        nested.add(c);
      }
      if (c.getType() == DatasetSpec.class) {
        nested.add(c);
      }
      sb.append("| `").append(key).append("` | ").append(defaultText(k)).append(" | ");
      sb.append(originText(k)).append(" | ").append(esc(k.allowed())).append(" | ");
      StringBuilder what = new StringBuilder(k.doc());
      if (k.required()) {
        what.append(" **Required.**");
      }
      if (k.algorithms().length > 0) {
        what.append(" Used by: ").append(String.join(", ", k.algorithms())).append('.');
      }
      if (!k.noEffect().isEmpty()) {
        what.append(" *No effect here: ").append(k.noEffect()).append(".*");
      }
      if (k.secret()) {
        what.append(" Secret (shown as `***`).");
      }
      sb.append(esc(what.toString())).append(" |\n");
    }
    sb.append('\n');
    for (RecordComponent c : nested) {
      String name = prefix + "." + Binder.keyName(c) + (c.getType() == List.class ? "[]" : "");
      sb.append("#### `").append(name).append("`\n\n");
      table(sb, DatasetSpec.class, name);
    }
  }

  private static String defaultText(Key k) {
    StringBuilder d = new StringBuilder();
    for (String spec : k.byAlgorithm()) {
      int eq = spec.indexOf('=');
      int at = spec.lastIndexOf('@');
      if (d.length() > 0) {
        d.append("; ");
      }
      d.append(spec, 0, eq).append(": `").append(spec, eq + 1, at).append('`');
    }
    if (!k.derived().isEmpty()) {
      if (d.length() > 0) {
        d.append("; otherwise ");
      }
      d.append(k.derived());
    } else if (!k.def().isEmpty() && d.length() == 0) {
      d.append('`').append(k.def().equals("''") ? "\"\"" : k.def()).append('`');
    }
    if (d.length() == 0) {
      d.append(k.required() ? "--" : "`null`");
    }
    return esc(d.toString());
  }

  private static String originText(Key k) {
    if (k.byAlgorithm().length > 0) {
      StringBuilder o = new StringBuilder();
      for (String spec : k.byAlgorithm()) {
        String label = Origin.valueOf(spec.substring(spec.lastIndexOf('@') + 1)).label();
        if (o.indexOf(label) < 0) {
          o.append(o.length() > 0 ? ", " : "").append(label);
        }
      }
      return o.toString();
    }
    return k.origin().label();
  }

  private static String esc(String s) {
    return s.replace("|", "\\|").replace("\n", " ");
  }

  /** Writes the page to {@code args[0]} (default docs/recipe-keys.md). */
  public static void main(String[] args) throws IOException {
    Path out = Path.of(args.length > 0 ? args[0] : "docs/recipe-keys.md");
    Files.createDirectories(out.toAbsolutePath().getParent());
    Files.writeString(out, markdown());
  }
}
