package ai.fairl.recipe;

import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Maps a parsed recipe tree onto the records, driven by their {@link Key} annotations: unknown
 * keys, types, defaults (per algorithm, with origin), {@code ${env:NAME}}, s3:// and unsupported
 * features, file paths. Records validate ranges themselves; their errors get {@code file:line}
 * here. One binder binds one recipe.
 */
final class Binder {
  private static final Pattern ENV = Pattern.compile("\\$\\{env:([A-Za-z_][A-Za-z0-9_]*)\\}");

  /** Keys of features we do not have: an error when given a value. */
  private static final Map<Class<?>, Map<String, String>> UNSUPPORTED = new HashMap<>();

  static {
    String vlm = "vision-language models are not supported (text only)";
    Map<String, String> dataset = new LinkedHashMap<>();
    dataset.put("image_columns", vlm);
    dataset.put("video_columns", vlm);
    UNSUPPORTED.put(DatasetSpec.class, dataset);
    Map<String, String> media = new LinkedHashMap<>();
    for (String k :
        List.of(
            "image_cache_dir",
            "image_fetch_timeout",
            "image_fetch_retries",
            "max_image_pixels",
            "image_s3_region",
            "image_s3_endpoint_url",
            "video_cache_dir",
            "video_fetch_timeout",
            "video_fetch_retries",
            "video_num_frames",
            "video_fps",
            "video_backend",
            "video_s3_region",
            "video_s3_endpoint_url")) {
      media.put(k, vlm);
    }
    UNSUPPORTED.put(Data.class, media);
    Map<String, String> inference = new LinkedHashMap<>(media);
    inference.putAll(dataset);
    UNSUPPORTED.put(Inference.class, inference);
  }

  /** Short names people type for real keys. */
  private static final Map<String, String> ALIASES =
      Map.of(
          "lr", "learning_rate",
          "epochs", "num_train_epochs",
          "batch_size", "per_device_train_batch_size",
          "grad_accum", "gradient_accumulation_steps",
          "model", "base_model_name",
          "model_name", "base_model_name",
          "steps", "max_steps");

  private final String source;
  private final Path installRoot;
  private final Path workDir;
  private final Function<String, String> env;
  private final String algorithm;
  private final YNode root;

  final List<String> notices = new ArrayList<>();

  /** Values read from secret-looking environment variables: masked wherever printed. */
  final Set<String> secretValues = new LinkedHashSet<>();

  private final Map<String, String> locations = new HashMap<>();
  private Data data;
  private Set<String> allKeys;

  Binder(
      YNode root,
      String source,
      Path installRoot,
      Path workDir,
      Function<String, String> env,
      String algorithm) {
    this.root = root;
    this.source = source;
    this.installRoot = installRoot;
    this.workDir = workDir;
    this.env = env;
    this.algorithm = algorithm;
  }

  /** Binds {@code root} to a top-level recipe record; {@code out} receives the render tree. */
  <R extends Record> R bindRoot(Class<R> cls, Map<String, Object> out) {
    allKeys = new LinkedHashSet<>();
    collectKeys(cls, "", allKeys);
    return bind(cls, root, "", out);
  }

  // ---------------------------------------------------------------------------------------------

  private <R extends Record> R bind(
      Class<R> cls, YNode node, String prefix, Map<String, Object> out) {
    Map<String, YNode> given;
    if (node == null || node.value == null) {
      given = Map.of();
    } else if (node.isMap()) {
      given = node.map();
    } else {
      String name = prefix.isEmpty() ? "the recipe" : prefix;
      throw new RecipeException(
          prefix,
          node.where,
          name + " must be a section of key: value lines, got " + describe(node.value),
          prefix.isEmpty()
              ? "start the file with its sections, e.g. model:, data:, training:"
              : "indent its keys under " + prefix + ":",
          null);
    }
    RecordComponent[] comps = cls.getRecordComponents();
    Map<String, RecordComponent> byKey = new LinkedHashMap<>();
    for (RecordComponent c : comps) {
      byKey.put(keyName(c), c);
    }
    Map<String, String> unsupported = UNSUPPORTED.getOrDefault(cls, Map.of());
    for (Map.Entry<String, YNode> e : given.entrySet()) {
      String key = e.getKey();
      String full = join(prefix, key);
      if (byKey.containsKey(key)) {
        continue;
      }
      if (unsupported.containsKey(key)) {
        if (e.getValue().value != null) {
          throw new RecipeException(
              full,
              e.getValue().where,
              full + " is not supported: " + unsupported.get(key),
              "remove " + full + " (FAI-RL for Java trains and runs text-only models)",
              null);
        }
        continue;
      }
      throw unknownKey(full, key, prefix, byKey.keySet(), e.getValue().where);
    }

    Object[] args = new Object[comps.length];
    Map<String, Object> values = new HashMap<>();
    for (int i = 0; i < comps.length; i++) {
      RecordComponent c = comps[i];
      Key k = c.getAnnotation(Key.class);
      String key = keyName(c);
      String full = join(prefix, key);
      YNode n = given.get(key);
      boolean present = n != null && n.value != null;
      if (present) {
        locations.put(full, n.where);
      }
      Class<?> type = c.getType();
      if (type.isRecord()) {
        Map<String, Object> sub = new LinkedHashMap<>();
        if (present || k.required() || k.def().equals("{}")) {
          if (!present && k.required()) {
            throw new RecipeException(
                full,
                source,
                "the " + full + ": section is missing",
                "add a " + full + ": section (see recipes/ for complete examples)",
                null);
          }
          args[i] = bindNested(type, n, full, sub);
          out.put(key, sub);
        }
        values.put(key, args[i]);
        continue;
      }
      if (c.getGenericType() instanceof ParameterizedType pt
          && pt.getActualTypeArguments()[0] == DatasetSpec.class) {
        List<DatasetSpec> items = new ArrayList<>();
        List<Map<String, Object>> rendered = new ArrayList<>();
        if (present) {
          if (!n.isList()) {
            throw new RecipeException(
                full,
                n.where,
                full + " must be a list of datasets, got " + describe(n.value),
                "write it as a list: " + key + ": [{name: openai/gsm8k}] or '- name: ...' lines",
                null);
          }
          List<YNode> list = n.list();
          for (int j = 0; j < list.size(); j++) {
            Map<String, Object> sub = new LinkedHashMap<>();
            items.add(
                (DatasetSpec)
                    bindNested(DatasetSpec.class, list.get(j), full + "[" + j + "]", sub));
            rendered.add(sub);
          }
        }
        args[i] = items;
        out.put(key, new Section(rendered));
        values.put(key, items);
        continue;
      }
      boolean applicable = applicable(k);
      Object value;
      String origin;
      List<String> notes = new ArrayList<>();
      if (present) {
        value = convert(n, c.getGenericType(), full, c.getType());
        value = afterConvert(full, value, n.where, notes);
        origin = n.where;
        if (!k.noEffect().isEmpty()) {
          notes.add("no effect here: " + k.noEffect());
        }
        if (!applicable) {
          notes.add(
              "no effect for algorithm "
                  + algorithm
                  + " (read by "
                  + String.join(", ", k.algorithms())
                  + ")");
          value = null;
        }
      } else if (!applicable) {
        value = null;
        origin = null;
      } else {
        String[] d = defaultFor(k, key, values);
        if (d == null) {
          value = null;
          origin = "default";
        } else {
          value = d[0] == null ? null : convertDefault(d[0], c, full);
          origin = d[1];
        }
      }
      if (c.getType().isPrimitive() && value == null) {
        value = convertDefault(k.def().isEmpty() ? "0" : k.def(), c, full);
      }
      args[i] = value;
      values.put(key, value);
      if (applicable || present) {
        out.put(
            key,
            new Setting(
                full,
                value,
                origin,
                notes.isEmpty() ? null : String.join("; ", notes),
                k.secret() || Secrets.looksSecret(key)));
      }
    }
    if (cls == Training.class) {
      adjustTraining(comps, args, out);
    }
    R rec = construct(cls, args, prefix, node);
    syncSettings(rec, out);
    if (rec instanceof Data d) {
      data = d;
    }
    return rec;
  }

  /** Shows values as the record normalised them (e.g. {@code GSPO} becomes {@code gspo}). */
  private static void syncSettings(Record rec, Map<String, Object> out) {
    for (RecordComponent c : rec.getClass().getRecordComponents()) {
      if (!(out.get(keyName(c)) instanceof Setting s)) {
        continue;
      }
      try {
        Object v = c.getAccessor().invoke(rec);
        if (!java.util.Objects.equals(v, s.value())) {
          out.put(keyName(c), new Setting(s.key(), v, s.origin(), s.note(), s.secret()));
        }
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  @SuppressWarnings("unchecked")
  private Record bindNested(Class<?> type, YNode n, String full, Map<String, Object> sub) {
    try {
      return bind((Class<? extends Record>) type, n, full, sub);
    } catch (RecipeException e) {
      if (type == DatasetSpec.class) {
        throw e.rekey(DatasetSpec.PREFIX, full);
      }
      throw e;
    }
  }

  private <R extends Record> R construct(Class<R> cls, Object[] args, String prefix, YNode node) {
    Class<?>[] types =
        Arrays.stream(cls.getRecordComponents())
            .map(RecordComponent::getType)
            .toArray(Class[]::new);
    try {
      Constructor<R> ctor = cls.getDeclaredConstructor(types);
      return ctor.newInstance(args);
    } catch (InvocationTargetException e) {
      if (e.getCause() instanceof RecipeException re) {
        RecipeException k = cls == DatasetSpec.class ? re.rekey(DatasetSpec.PREFIX, prefix) : re;
        String where = k.key() == null ? null : locations.get(k.key());
        if (where == null && node != null && node.where != null) {
          where = node.where;
        }
        throw k.at(where == null ? source : where);
      }
      throw new IllegalStateException("recipe record " + cls.getSimpleName() + " failed", e);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("recipe record " + cls.getSimpleName() + " unusable", e);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // defaults

  private boolean applicable(Key k) {
    return algorithm == null
        || k.algorithms().length == 0
        || Arrays.asList(k.algorithms()).contains(algorithm);
  }

  /** {yaml text or null, origin label}, or null when the key has no default. */
  private String[] defaultFor(Key k, String key, Map<String, Object> values) {
    for (String spec : k.byAlgorithm()) {
      int eq = spec.indexOf('=');
      int at = spec.lastIndexOf('@');
      if (spec.substring(0, eq).equals(algorithm)) {
        Origin o = Origin.valueOf(spec.substring(at + 1));
        return new String[] {spec.substring(eq + 1, at), "default (" + o.label() + ")"};
      }
    }
    if (!k.derived().isEmpty()) {
      Object v = derive(key, values);
      if (v != null) {
        return new String[] {String.valueOf(v), "default " + k.derived()};
      }
    }
    if (!k.def().isEmpty()) {
      return new String[] {k.def(), "default (" + k.origin().label() + ")"};
    }
    return null;
  }

  private Object derive(String key, Map<String, Object> values) {
    switch (key) {
      case "epsilon_high":
        return values.get("epsilon");
      case "steps_per_generation":
        return values.get("gradient_accumulation_steps");
      case "max_completion_length":
        if (data == null) {
          return null;
        }
        int left = data.maxLength() - data.maxPromptLength();
        if (left < 1) {
          String where =
              locations.getOrDefault(
                  "data.max_prompt_length", locations.getOrDefault("data.max_length", source));
          throw new RecipeException(
              "data.max_prompt_length",
              where,
              "data.max_prompt_length ("
                  + data.maxPromptLength()
                  + ") leaves no room for completions within data.max_length ("
                  + data.maxLength()
                  + ")",
              "lower data.max_prompt_length, raise data.max_length, or set"
                  + " training.max_completion_length",
              null);
        }
        return left;
      case "benchmark":
        Object d = values.get("dataset_name");
        return "cais/mmlu".equals(d) ? "mmlu" : "openai/gsm8k".equals(d) ? "gsm8k" : null;
      case "reward_functions":
        boolean other =
            root.isMap()
                && (present(root.map().get("reward_api"))
                    || present(root.map().get("local_reward_function")));
        return other ? null : "[" + String.join(", ", Rewards.BUILT_IN) + "]";
      default:
        return null;
    }
  }

  private static boolean present(YNode n) {
    return n != null && n.value != null;
  }

  private Object convertDefault(String yaml, RecordComponent c, String full) {
    YNode n = YNode.parse(yaml, "default of " + full, false);
    if (n.value == null) {
      return null;
    }
    return convert(n, c.getGenericType(), full, c.getType());
  }

  /** FAI-RL bug B4 and GSPO's on-policy trap: make the generation batch whole groups. */
  private void adjustTraining(RecordComponent[] comps, Object[] args, Map<String, Object> out) {
    if (!"grpo".equals(algorithm) && !"gspo".equals(algorithm)) {
      return;
    }
    int iSpg = index(comps, "stepsPerGeneration");
    int bs = (Integer) args[index(comps, "perDeviceTrainBatchSize")];
    int accum = (Integer) args[index(comps, "gradientAccumulationSteps")];
    Integer g = (Integer) args[index(comps, "numGenerations")];
    Integer spg = (Integer) args[iSpg];
    Integer iters = (Integer) args[index(comps, "numIterations")];
    if (g == null || spg == null || g < 2 || spg < 1 || bs < 1) {
      return; // the record reports the range error
    }
    if ((bs * spg) % g != 0) {
      int fixed = spg;
      while ((bs * fixed) % g != 0) {
        fixed++;
      }
      notices.add(
          "training.steps_per_generation raised from "
              + spg
              + " to "
              + fixed
              + ": a generation batch (per_device_train_batch_size "
              + bs
              + " x steps_per_generation) must hold whole groups of num_generations "
              + g
              + " (FAI-RL bug B4 made this a crash on one GPU)");
      args[iSpg] = fixed;
      Setting old = (Setting) out.get("steps_per_generation");
      out.put(
          "steps_per_generation",
          new Setting(
              old.key(),
              fixed,
              old.origin(),
              "raised from " + spg + " to hold whole groups (B4)",
              false));
      spg = fixed;
    }
    if ("gspo".equals(algorithm) && spg * (iters == null ? 1 : iters) <= accum) {
      notices.add(
          "gspo: steps_per_generation ("
              + spg
              + ") x num_iterations does not exceed gradient_accumulation_steps ("
              + accum
              + "), so every update is on-policy: the sequence ratio is 1 and clipping never acts;"
              + " the GSPO paper uses steps_per_generation = 4 x gradient_accumulation_steps");
    }
  }

  private static int index(RecordComponent[] comps, String name) {
    for (int i = 0; i < comps.length; i++) {
      if (comps[i].getName().equals(name)) {
        return i;
      }
    }
    throw new IllegalStateException(name);
  }

  // ---------------------------------------------------------------------------------------------
  // values

  private Object afterConvert(String full, Object value, String where, List<String> notes) {
    if (value instanceof String s) {
      if (full.equals("local_reward_function.function")
          && Rewards.builtIn(s) != null
          && !Rewards.BUILT_IN.contains(s.trim())) {
        String builtIn = Rewards.builtIn(s);
        notes.add("FAI-RL's Python function, run as the built-in reward " + builtIn);
        return builtIn;
      }
      if (full.equals("training.deepspeed_config")) {
        Path p = Path.of(s);
        Path resolved = p.isAbsolute() ? p : installRoot.resolve(p);
        if (!Files.isRegularFile(resolved)) {
          throw new RecipeException(
              full,
              where,
              full
                  + " file not found: "
                  + s
                  + " (resolved against the install root "
                  + installRoot
                  + ")",
              "use one of configs/deepspeed/zero1_config.json, zero3_config.json,"
                  + " zero3_auto_config.json, or remove the key",
              null);
        }
        return resolved.normalize().toString();
      }
      if (full.matches(
              "data\\.datasets\\[\\d+]\\.name|training\\.eval_dataset\\.name|inference\\.dataset_name")
          && isLocalFileName(s)) {
        return resolveLocalFile(full, s, where);
      }
    }
    return value;
  }

  static boolean isLocalFileName(String s) {
    String n = s.toLowerCase(Locale.ROOT);
    return n.endsWith(".jsonl")
        || n.endsWith(".json")
        || n.endsWith(".csv")
        || n.endsWith(".parquet");
  }

  private String resolveLocalFile(String full, String s, String where) {
    Path p = Path.of(s);
    List<Path> tried = new ArrayList<>();
    if (p.isAbsolute()) {
      tried.add(p);
    } else {
      tried.add(workDir.resolve(p));
      tried.add(installRoot.resolve(p));
    }
    for (Path t : tried) {
      if (Files.isRegularFile(t)) {
        return t.toAbsolutePath().normalize().toString();
      }
    }
    throw new RecipeException(
        full,
        where,
        full
            + " file not found: "
            + s
            + " (looked in "
            + (p.isAbsolute() ? p : workDir + " and " + installRoot)
            + ")",
        "check the path; relative paths are tried against the current directory, then the"
            + " install root",
        null);
  }

  private Object convert(YNode n, Type generic, String full, Class<?> type) {
    Object v = n.value;
    if (type == String.class) {
      if (v instanceof String s) {
        return checkString(full, interpolate(s, full, n.where), n.where);
      }
      if (full.endsWith(".resume_from_checkpoint") && v instanceof Boolean b) {
        return b ? "latest" : null;
      }
      if (v instanceof Long || v instanceof Double) {
        return v instanceof Double d ? Check.num(d) : String.valueOf(v);
      }
      throw typeError(full, n, "a string", "write text, quoted if it has special characters");
    }
    if (type == int.class || type == Integer.class || type == long.class || type == Long.class) {
      Long l = null;
      if (v instanceof Long x) {
        l = x;
      } else if (v instanceof Double d && d == Math.rint(d) && !d.isInfinite()) {
        l = d.longValue();
      }
      if (l == null) {
        throw typeError(full, n, "a whole number", "write a whole number without quotes, e.g. 4");
      }
      if ((type == int.class || type == Integer.class)
          && (l > Integer.MAX_VALUE || l < Integer.MIN_VALUE)) {
        throw typeError(full, n, "a whole number that fits in 32 bits", "use a smaller number");
      }
      return type == int.class || type == Integer.class ? (Object) l.intValue() : (Object) l;
    }
    if (type == double.class || type == Double.class) {
      if (v instanceof Long l) {
        return l.doubleValue();
      }
      if (v instanceof Double d) {
        if (d.isNaN()) {
          throw typeError(full, n, "a number (not .nan)", "write a number such as 1.0e-5");
        }
        return d;
      }
      if (v instanceof String s) {
        try { // FAI-RL casts some keys with float(); a quoted number still works
          return Double.parseDouble(s.trim());
        } catch (NumberFormatException ignored) {
          // fall through to the error
        }
      }
      throw typeError(
          full, n, "a number", "write a number without quotes, e.g. 1.0e-5 (3e-4 is a number)");
    }
    if (type == boolean.class || type == Boolean.class) {
      if (v instanceof Boolean b) {
        return b;
      }
      throw typeError(full, n, "true or false", "write true or false without quotes");
    }
    if (type == Map.class) {
      if (!n.isMap()) {
        throw typeError(
            full,
            n,
            "a mapping of key: value pairs",
            "write e.g. " + full.substring(full.lastIndexOf('.') + 1) + ": {k: v}");
      }
      return interpolatePlain(n.plain(), full, n.where);
    }
    if (type == List.class) {
      Type elem = ((ParameterizedType) generic).getActualTypeArguments()[0];
      List<YNode> items;
      if (n.isList()) {
        items = n.list();
      } else if (v instanceof String && elem == String.class) {
        if (full.endsWith("lora_exclude_modules")) {
          return List.of("regex:" + v);
        }
        items = List.of(n);
      } else {
        throw typeError(full, n, "a list", "write a list, e.g. [a, b]");
      }
      List<Object> out = new ArrayList<>();
      for (int i = 0; i < items.size(); i++) {
        YNode item = items.get(i);
        if (item.value == null || item.isMap() || item.isList()) {
          throw new RecipeException(
              full,
              item.where,
              full
                  + "["
                  + i
                  + "] must be "
                  + (elem == String.class ? "a string" : "a number")
                  + ", got "
                  + describe(item.value),
              "write plain values in the list, e.g. [a, b]",
              null);
        }
        out.add(convert(item, elem, full + "[" + i + "]", (Class<?>) elem));
      }
      return out;
    }
    throw new IllegalStateException("unsupported recipe type " + type + " for " + full);
  }

  private String checkString(String full, String s, String where) {
    if (s.startsWith("s3://")) {
      throw new RecipeException(
          full,
          where,
          full + " is an s3:// path (" + s + "); S3 is not supported",
          "download it first (e.g. aws s3 cp --recursive "
              + s
              + " ./local-copy) and give the local path",
          null);
    }
    return s;
  }

  private String interpolate(String s, String full, String where) {
    Matcher m = ENV.matcher(s);
    if (!m.find()) {
      return s;
    }
    m.reset();
    StringBuilder sb = new StringBuilder();
    while (m.find()) {
      String name = m.group(1);
      String val = env.apply(name);
      if (val == null) {
        throw new RecipeException(
            full,
            where,
            full + " uses ${env:" + name + "} but the environment variable " + name + " is not set",
            "export " + name + "=... before running, or write the value into the recipe",
            null);
      }
      if (Secrets.looksSecret(name) && !val.isEmpty()) {
        secretValues.add(val); // e.g. ${env:MY_TOKEN} under a harmless-looking key
      }
      m.appendReplacement(sb, Matcher.quoteReplacement(val));
    }
    m.appendTail(sb);
    return sb.toString();
  }

  private Object interpolatePlain(Object v, String full, String where) {
    if (v instanceof String s) {
      return interpolate(s, full, where);
    }
    if (v instanceof Map<?, ?> m) {
      Map<String, Object> out = new LinkedHashMap<>();
      m.forEach((k, x) -> out.put(String.valueOf(k), interpolatePlain(x, full + "." + k, where)));
      return out;
    }
    if (v instanceof List<?> l) {
      List<Object> out = new ArrayList<>();
      l.forEach(x -> out.add(interpolatePlain(x, full, where)));
      return out;
    }
    return v;
  }

  private RecipeException typeError(String full, YNode n, String expected, String hint) {
    String shown =
        Secrets.looksSecret(full.substring(full.lastIndexOf('.') + 1))
            ? Secrets.MASK
            : describe(n.value);
    return new RecipeException(
        full, n.where, full + " must be " + expected + ", got " + shown, hint, null);
  }

  static String describe(Object v) {
    if (v == null) {
      return "null";
    }
    if (v instanceof String s) {
      return "string '" + (s.length() > 60 ? s.substring(0, 57) + "..." : s) + "'";
    }
    if (v instanceof Map) {
      return "a section (key: value pairs)";
    }
    if (v instanceof List) {
      return "a list";
    }
    if (v instanceof Double d) {
      return Check.num(d);
    }
    return String.valueOf(v);
  }

  // ---------------------------------------------------------------------------------------------
  // unknown keys

  private RecipeException unknownKey(
      String full, String key, String prefix, Set<String> siblings, String where) {
    String section = prefix.isEmpty() ? "top level" : prefix.replaceAll("\\[\\d+]", "[]");
    String hint;
    String close =
        ALIASES.containsKey(key) && siblings.contains(ALIASES.get(key))
            ? ALIASES.get(key)
            : Suggest.closest(key, siblings);
    if (close != null) {
      hint = "did you mean '" + join(prefix, close) + "'?";
    } else {
      String elsewhere = null;
      for (String k : allKeys) {
        if (k.endsWith("." + key) || k.equals(key)) {
          elsewhere = k;
          break;
        }
      }
      if (elsewhere == null) {
        String fullPattern = full.replaceAll("\\[\\d+]", "[]");
        elsewhere = Suggest.closest(fullPattern, allKeys);
      }
      hint =
          elsewhere != null
              ? "did you mean '" + elsewhere + "'?"
              : "remove it; the keys of " + section + " are: " + String.join(", ", siblings);
    }
    return new RecipeException(
        full,
        where,
        "unknown key '" + full + "' in " + section,
        hint + " (all keys: docs/recipe-keys.md)",
        null);
  }

  private static void collectKeys(Class<?> cls, String prefix, Set<String> out) {
    for (RecordComponent c : cls.getRecordComponents()) {
      String full = join(prefix, keyName(c));
      if (c.getType().isRecord()) {
        collectKeys(c.getType(), full, out);
      } else if (c.getGenericType() instanceof ParameterizedType pt
          && pt.getActualTypeArguments()[0] == DatasetSpec.class) {
        collectKeys(DatasetSpec.class, full + "[]", out);
      } else {
        out.add(full);
      }
    }
  }

  static String join(String prefix, String key) {
    return prefix.isEmpty() ? key : prefix + "." + key;
  }

  /** The YAML key of a component: {@link Key#name()} or the component name in snake_case. */
  static String keyName(RecordComponent c) {
    Key k = c.getAnnotation(Key.class);
    if (k != null && !k.name().isEmpty()) {
      return k.name();
    }
    return snake(c.getName());
  }

  static String snake(String camel) {
    StringBuilder sb = new StringBuilder();
    for (char ch : camel.toCharArray()) {
      if (Character.isUpperCase(ch)) {
        sb.append('_').append(Character.toLowerCase(ch));
      } else {
        sb.append(ch);
      }
    }
    return sb.toString();
  }

  /** A rendered list of sections (data.datasets). */
  record Section(List<Map<String, Object>> items) {}
}
