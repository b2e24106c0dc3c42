package ai.fairl.model.lora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.fairl.model.Linear;
import ai.fairl.model.LinearAdapter;
import ai.fairl.model.PlainWeightStore;
import ai.fairl.model.Safetensors;
import ai.fairl.model.TransformerModel;
import ai.fairl.model.WeightStore;
import ai.fairl.train.Trainable;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A {@link TransformerModel} with LoRA adapters on the projections a {@link LoraConfig} selects
 * (PEFT's {@code get_peft_model}), optionally over frozen 4-bit or 8-bit base weights (QLoRA).
 * Saves and loads PEFT's format: {@code adapter_config.json} and {@code adapter_model.safetensors}
 * with keys {@code base_model.model.<module>.lora_A.weight} / {@code lora_B.weight} (and {@code
 * <module>.bias} when biases train), so Python PEFT loads the adapter and this class loads PEFT's.
 *
 * <p>Simplified against PEFT: one adapter ({@code default}); no rsLoRA, DoRA or {@code
 * modules_to_save}.
 */
public final class LoraModel implements Trainable, AutoCloseable {
  static final String PREFIX = "base_model.model.";
  private static final Gson GSON = new GsonBuilder().setPrettyPrinting().create();

  private final TransformerModel model;
  private final LoraConfig config;
  private final String baseModelNameOrPath;
  private final NDManager manager;
  private final Map<String, LoraAdapter> adapters = new LinkedHashMap<>();
  private final Map<String, NDArray> biases = new LinkedHashMap<>();

  private LoraModel(TransformerModel model, LoraConfig config, String base) {
    this.model = model;
    this.config = config;
    this.baseModelNameOrPath = base;
    this.manager = model.manager().newSubManager();
  }

  /**
   * Freezes {@code model} and puts a fresh adapter on each selected projection, A initialised from
   * {@code seed}. Throws when nothing matches (FAI-RL's "zero trainable parameters" check).
   */
  public static LoraModel inject(
      TransformerModel model, LoraConfig config, long seed, String baseModelNameOrPath) {
    LoraModel lm = new LoraModel(model, config, baseModelNameOrPath);
    freeze(model);
    Random random = new Random(seed);
    for (Map.Entry<String, Linear> e : model.linears().entrySet()) {
      if (!config.adapts(e.getKey()) || isHead(e.getKey())) {
        continue;
      }
      Linear l = e.getValue();
      LoraAdapter a =
          LoraAdapter.create(lm.manager, l.inFeatures(), l.outFeatures(), config, random);
      l.addAdapter(a);
      lm.adapters.put(e.getKey(), a);
    }
    if (lm.adapters.isEmpty()) {
      lm.close();
      throw new IllegalArgumentException(
          "model.lora_target_modules "
              + config.targetModules()
              + " match no projection of the model (its projections end in "
              + suffixes(model)
              + "); fix the list");
    }
    lm.trainBiases();
    return lm;
  }

  /**
   * Loads a PEFT adapter folder onto {@code model} to continue training it (FAI-RL's rule for a
   * {@code base_model_name} that holds {@code adapter_config.json}).
   */
  public static LoraModel loadPeft(TransformerModel model, Path dir) throws IOException {
    LoraConfig cfg = readConfig(dir);
    String base = baseModelOf(dir);
    LoraModel lm = new LoraModel(model, cfg, base);
    freeze(model);
    Map<String, NDArray> t = Safetensors.load(dir.resolve("adapter_model.safetensors"), lm.manager);
    for (Map.Entry<String, NDArray> e : t.entrySet()) {
      String key = e.getKey();
      if (!key.startsWith(PREFIX) || !key.endsWith(".lora_A.weight")) {
        continue;
      }
      String module = key.substring(PREFIX.length(), key.length() - ".lora_A.weight".length());
      Linear l = model.linears().get(module);
      NDArray b = t.get(PREFIX + module + ".lora_B.weight");
      if (l == null || b == null) {
        lm.close();
        throw new IOException(
            dir
                + "/adapter_model.safetensors: "
                + (l == null
                    ? "module " + module + " does not exist in the base model"
                    : "lora_B for " + module + " is missing")
                + "; the adapter belongs to a different base model");
      }
      LoraAdapter a =
          LoraAdapter.of(
              e.getValue().toType(DataType.FLOAT32, false), b.toType(DataType.FLOAT32, false), cfg);
      l.addAdapter(a);
      lm.adapters.put(module, a);
    }
    if (lm.adapters.isEmpty()) {
      lm.close();
      throw new IOException(dir + "/adapter_model.safetensors holds no LoRA weights");
    }
    lm.trainBiases();
    lm.loadBiases(t);
    return lm;
  }

  /** Whether {@code dir} is a PEFT adapter folder. */
  public static boolean isAdapterDir(Path dir) {
    return Files.isRegularFile(dir.resolve("adapter_config.json"));
  }

  /** {@code base_model_name_or_path} of a PEFT adapter folder. */
  public static String baseModelOf(Path dir) throws IOException {
    JsonObject o =
        JsonParser.parseString(Files.readString(dir.resolve("adapter_config.json")))
            .getAsJsonObject();
    JsonElement b = o.get("base_model_name_or_path");
    if (b == null || b.isJsonNull()) {
      throw new IOException(
          dir + "/adapter_config.json has no base_model_name_or_path; cannot find the base model");
    }
    return b.getAsString();
  }

  /** Freezes the base; weights replaced by quantised stores are already released and skipped. */
  private static void freeze(TransformerModel model) {
    for (NDArray p : model.parameters().values()) {
      if (!p.isReleased()) {
        p.setRequiresGradient(false);
      }
    }
  }

  private static boolean isHead(String name) {
    return name.equals("lm_head") || name.equals("score");
  }

  private static List<String> suffixes(TransformerModel model) {
    List<String> s = new ArrayList<>();
    for (String n : model.linears().keySet()) {
      String last = n.substring(n.lastIndexOf('.') + 1);
      if (!s.contains(last)) {
        s.add(last);
      }
    }
    return s;
  }

  private void trainBiases() {
    for (Map.Entry<String, Linear> e : model.linears().entrySet()) {
      NDArray bias = e.getValue().bias();
      boolean train =
          bias != null
              && (config.bias() == LoraConfig.Bias.ALL
                  || (config.bias() == LoraConfig.Bias.LORA_ONLY
                      && adapters.containsKey(e.getKey())));
      if (train) {
        if (bias.getDataType() != DataType.FLOAT32) {
          throw new IllegalArgumentException(
              "lora_bias: "
                  + config.bias().peftName()
                  + " needs fp32 biases, got "
                  + bias.getDataType());
        }
        bias.setRequiresGradient(true);
        biases.put(e.getKey() + ".bias", bias);
      }
    }
  }

  private void loadBiases(Map<String, NDArray> t) {
    for (Map.Entry<String, NDArray> e : biases.entrySet()) {
      NDArray saved = t.get(PREFIX + e.getKey());
      if (saved != null) {
        e.getValue().set(saved.toType(DataType.FLOAT32, false).toFloatArray());
      }
    }
  }

  public TransformerModel model() {
    return model;
  }

  public LoraConfig config() {
    return config;
  }

  /** Adapters by module path. */
  public Map<String, LoraAdapter> adapters() {
    return adapters;
  }

  /** Turns every adapter off (the frozen base: DPO's reference) or back on. */
  public void setAdaptersEnabled(boolean enabled) {
    model.setAdaptersEnabled(enabled);
  }

  @Override
  public Map<String, NDArray> parameters() {
    Map<String, NDArray> p = new LinkedHashMap<>();
    adapters.forEach(
        (module, a) -> a.trainableParameters().forEach((k, v) -> p.put(module + "." + k, v)));
    p.putAll(biases);
    return p;
  }

  /** Trainable / total parameter counts, as PEFT's {@code print_trainable_parameters}. */
  public long[] parameterCounts() {
    long trainable = parameters().values().stream().mapToLong(NDArray::size).sum();
    long total = model.config().parameterCount() + trainable;
    return new long[] {trainable, total};
  }

  @Override
  public void save(Path dir) throws IOException {
    Files.createDirectories(dir);
    Map<String, NDArray> out = new LinkedHashMap<>();
    parameters().forEach((k, v) -> out.put(PREFIX + k, v));
    Safetensors.save(dir.resolve("adapter_model.safetensors"), out, Map.of("format", "pt"));
    Files.writeString(
        dir.resolve("adapter_config.json"), adapterConfigJson(), StandardCharsets.UTF_8);
  }

  @Override
  public void load(Path dir) throws IOException {
    try (NDManager tmp = manager.newSubManager()) {
      Map<String, NDArray> t = Safetensors.load(dir.resolve("adapter_model.safetensors"), tmp);
      for (Map.Entry<String, NDArray> e : parameters().entrySet()) {
        NDArray saved = t.get(PREFIX + e.getKey());
        if (saved == null || !saved.getShape().equals(e.getValue().getShape())) {
          throw new IOException(
              dir
                  + "/adapter_model.safetensors: "
                  + PREFIX
                  + e.getKey()
                  + (saved == null ? " is missing" : " has shape " + saved.getShape())
                  + "; the checkpoint was made with other LoRA settings");
        }
        e.getValue().set(saved.toType(DataType.FLOAT32, false).toFloatArray());
      }
    }
  }

  String adapterConfigJson() {
    JsonObject o = new JsonObject();
    o.addProperty("peft_type", "LORA");
    o.addProperty("task_type", model.config().isSequenceClassification() ? "SEQ_CLS" : "CAUSAL_LM");
    o.addProperty("base_model_name_or_path", baseModelNameOrPath);
    o.addProperty("r", config.r());
    o.addProperty("lora_alpha", config.alpha());
    o.addProperty("lora_dropout", config.dropout());
    JsonArray targets = new JsonArray();
    config.targetModules().forEach(targets::add);
    o.add("target_modules", targets);
    if (config.excludeRegex() != null) {
      o.addProperty("exclude_modules", config.excludeRegex());
    } else if (config.excludeModules() != null) {
      JsonArray ex = new JsonArray();
      config.excludeModules().forEach(ex::add);
      o.add("exclude_modules", ex);
    } else {
      o.add("exclude_modules", null);
    }
    o.addProperty("bias", config.bias().peftName());
    o.addProperty("fan_in_fan_out", false);
    o.addProperty("inference_mode", true);
    o.addProperty("init_lora_weights", true);
    o.addProperty("use_rslora", false);
    o.addProperty("use_dora", false);
    o.add("modules_to_save", null);
    o.add("layers_to_transform", null);
    o.add("revision", null);
    return GSON.newBuilder().serializeNulls().setPrettyPrinting().create().toJson(o);
  }

  static LoraConfig readConfig(Path dir) throws IOException {
    Path f = dir.resolve("adapter_config.json");
    JsonObject o = JsonParser.parseString(Files.readString(f)).getAsJsonObject();
    if (o.has("peft_type") && !"LORA".equals(o.get("peft_type").getAsString())) {
      throw new IOException(f + ": peft_type " + o.get("peft_type") + " is not LORA");
    }
    List<String> targets = null;
    JsonElement t = o.get("target_modules");
    if (t != null && t.isJsonArray()) {
      targets = new ArrayList<>();
      for (JsonElement e : t.getAsJsonArray()) {
        targets.add(e.getAsString());
      }
    }
    List<String> exList = null;
    String exRegex = null;
    JsonElement ex = o.get("exclude_modules");
    if (ex != null && ex.isJsonArray()) {
      exList = new ArrayList<>();
      for (JsonElement e : ex.getAsJsonArray()) {
        exList.add(e.getAsString());
      }
    } else if (ex != null && ex.isJsonPrimitive()) {
      exRegex = ex.getAsString();
    }
    return new LoraConfig(
        o.get("r").getAsInt(),
        o.get("lora_alpha").getAsDouble(),
        o.has("lora_dropout") ? o.get("lora_dropout").getAsDouble() : 0,
        targets,
        exList,
        exRegex,
        LoraConfig.Bias.parse(o.has("bias") ? o.get("bias").getAsString() : "none"));
  }

  /**
   * Merges every adapter into its base weight ({@code W += (alpha / r) B A}) and removes the
   * adapters; a quantised base becomes a dense weight again. The model is then a plain model.
   */
  public void merge() {
    for (Map.Entry<String, LoraAdapter> e : adapters.entrySet()) {
      Linear l = model.linears().get(e.getKey());
      WeightStore store = l.weightStore();
      try (NDManager tmp = manager.newSubManager()) {
        NDArray delta = e.getValue().delta(); // (out, in)
        delta.attach(tmp);
        if (store instanceof PlainWeightStore p) {
          NDArray w = p.weight();
          w.addi(delta.toType(w.getDataType(), false));
        } else {
          NDArray dense = store.dense(DataType.FLOAT32).add(delta);
          dense.attach(model.manager());
          l.setWeightStore(new PlainWeightStore(dense.toType(model.dtype(), false)));
          store.close();
        }
      }
      List<LinearAdapter> removed = l.clearAdapters();
      removed.size();
    }
    adapters.clear();
    biases.values().forEach(b -> b.setRequiresGradient(false));
    biases.clear();
  }

  /**
   * Replaces every projection's frozen weight (except the LM/score head, as bitsandbytes leaves
   * {@code lm_head}) with a 4-bit store, closing the dense weight; returns bytes before and after.
   */
  public static long[] quantize4bit(TransformerModel model, QuantType type, boolean doubleQuant) {
    long before = 0;
    long after = 0;
    for (Map.Entry<String, Linear> e : model.linears().entrySet()) {
      if (isHead(e.getKey())) {
        continue;
      }
      Linear l = e.getValue();
      WeightStore old = l.weightStore();
      before += old.storageBytes();
      NDArray dense = old.dense(DataType.FLOAT32);
      // on the weight's device; an fp32 copy made for it is freed at once, not with the model
      FourBitWeightStore q = FourBitWeightStore.quantizeTensor(dense, type, doubleQuant);
      if (!(old instanceof PlainWeightStore p && p.weight() == dense)) {
        dense.close();
      }
      after += q.storageBytes();
      l.setWeightStore(q);
      old.close();
    }
    return new long[] {before, after};
  }

  /** As {@link #quantize4bit} with row-wise int8 ({@code load_in_8bit}). */
  public static long[] quantize8bit(TransformerModel model) {
    long before = 0;
    long after = 0;
    for (Map.Entry<String, Linear> e : model.linears().entrySet()) {
      if (isHead(e.getKey())) {
        continue;
      }
      Linear l = e.getValue();
      WeightStore old = l.weightStore();
      before += old.storageBytes();
      Int8WeightStore q = Int8WeightStore.quantize(old.dense(DataType.FLOAT32));
      after += q.storageBytes();
      l.setWeightStore(q);
      old.close();
    }
    return new long[] {before, after};
  }

  @Override
  public void close() {
    for (String module : adapters.keySet()) {
      model.linears().get(module).clearAdapters();
    }
    adapters.clear();
    manager.close();
  }
}
