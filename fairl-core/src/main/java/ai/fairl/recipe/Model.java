package ai.fairl.recipe;

import java.util.List;

/** The {@code model:} section of a training recipe (FAI-RL's {@code ModelConfig}). */
public record Model(
    @Key(
            required = true,
            doc =
                "The model to train: a Hugging Face Hub id (`meta-llama/Llama-3.2-3B-Instruct`), a"
                    + " local directory (a PEFT adapter directory continues training that adapter),"
                    + " or `tiny:<family>` (`tiny:llama`, `tiny:qwen3`): a random-init tiny model"
                    + " created by code, for CPU tests and demos.")
        String baseModelName,
    @Key(
            def = "bfloat16",
            allowed = "bfloat16, float16, float32",
            doc = "Weight dtype. On a CPU the run uses float32 and says so.")
        String torchDtype,
    @Key(
            def = "true",
            doc = "Transformers' low-memory loading switch.",
            noEffect = "weights are always streamed tensor by tensor from safetensors")
        boolean lowCpuMemUsage,
    @Key(
            name = "load_in_8bit",
            def = "false",
            doc = "Store base weights in 8 bits (needs `use_lora: true`).")
        boolean loadIn8bit,
    @Key(
            name = "load_in_4bit",
            def = "false",
            doc = "Store base weights in 4 bits, i.e. QLoRA (needs `use_lora: true`).")
        boolean loadIn4bit,
    @Key(
            def = "false",
            doc = "Flash Attention 2 in transformers.",
            noEffect = "one attention kernel (scaled dot-product) is used on every device")
        boolean useFlashAttention,
    @Key(
            name = "bnb_4bit_compute_dtype",
            def = "bfloat16",
            allowed = "bfloat16, float16, float32",
            doc = "Dtype that 4-bit weights are dequantised to for matmuls (float32 on a CPU).")
        String bnb4bitComputeDtype,
    @Key(name = "bnb_4bit_quant_type", def = "nf4", allowed = "nf4, fp4", doc = "4-bit code book.")
        String bnb4bitQuantType,
    @Key(
            name = "bnb_4bit_use_double_quant",
            def = "true",
            doc = "Quantise the 4-bit blocks' scales too (saves about 0.4 bit per weight).")
        boolean bnb4bitUseDoubleQuant,
    @Key(doc = "AWS region for an `s3://` model.", noEffect = "s3:// models are not supported")
        String s3Region,
    @Key(doc = "S3-compatible endpoint for an `s3://` model.", noEffect = "s3:// is not supported")
        String s3EndpointUrl,
    @Key(
            def = "false",
            doc =
                "Load a checkpoint whose tensor shapes differ from the config; mismatched tensors"
                    + " are freshly initialised.")
        boolean ignoreMismatchedSizes,
    @Key(def = "false", doc = "Train LoRA adapters instead of all weights.") boolean useLora,
    @Key(def = "8", allowed = ">= 1", doc = "LoRA rank (FAI-RL recipes: 8 for LoRA, 16 for QLoRA).")
        int loraR,
    @Key(def = "16", allowed = "> 0", doc = "LoRA alpha; the update is scaled by alpha / r.")
        double loraAlpha,
    @Key(def = "0.05", allowed = "[0, 1)", doc = "Dropout on the LoRA input.") double loraDropout,
    @Key(
            doc =
                "Module names to adapt (suffix match), e.g. `[q_proj, k_proj, v_proj, o_proj,"
                    + " gate_proj, up_proj, down_proj]`; `all-linear` adapts every linear layer"
                    + " except the output head; null means `[q_proj, v_proj]` (PEFT's default).")
        List<String> loraTargetModules,
    @Key(
            doc =
                "Modules never adapted: a list gives suffix matches; a single string is a regex"
                    + " matched against the full module name (PEFT's `exclude_modules`).")
        List<String> loraExcludeModules,
    @Key(def = "none", allowed = "none, all, lora_only", doc = "Which biases are trained.")
        String loraBias,
    @Key(
            def = "true",
            doc = "sft_vlm only: freeze the vision tower.",
            noEffect = "vision-language models are not supported")
        boolean freezeVisionTower,
    @Key(
            algorithms = {"ppo"},
            doc =
                "FAI-RL's removed PPO key: the model used as value, reward and reference model. Here"
                    + " it is the PPO reward model when `training.reward_model_path` is unset"
                    + " (`TrainingRecipe.rewardModel()`).")
        String valueModelName) {

  public Model {
    Check.nonBlank("model.base_model_name", baseModelName);
    torchDtype = Check.oneOf("model.torch_dtype", torchDtype, "bfloat16", "float16", "float32");
    bnb4bitComputeDtype =
        Check.oneOf(
            "model.bnb_4bit_compute_dtype", bnb4bitComputeDtype, "bfloat16", "float16", "float32");
    bnb4bitQuantType = Check.oneOf("model.bnb_4bit_quant_type", bnb4bitQuantType, "nf4", "fp4");
    loraBias = Check.oneOf("model.lora_bias", loraBias, "none", "all", "lora_only");
    Check.require(
        !(loadIn4bit && loadIn8bit),
        "model.load_in_4bit",
        "model.load_in_4bit and model.load_in_8bit are both true",
        "choose one: set model.load_in_8bit: false for QLoRA (4-bit)");
    Check.require(
        useLora || !(loadIn4bit || loadIn8bit),
        loadIn4bit ? "model.load_in_4bit" : "model.load_in_8bit",
        "quantised training (model."
            + (loadIn4bit ? "load_in_4bit" : "load_in_8bit")
            + ": true) needs LoRA adapters, but model.use_lora is false",
        "set model.use_lora: true (QLoRA), or turn quantisation off");
    Check.atLeast("model.lora_r", loraR, 1);
    Check.positive("model.lora_alpha", loraAlpha);
    Check.range("model.lora_dropout", loraDropout, 0, 1, true);
    loraTargetModules = loraTargetModules == null ? null : List.copyOf(loraTargetModules);
    loraExcludeModules = loraExcludeModules == null ? null : List.copyOf(loraExcludeModules);
  }

  /** True when base weights are stored quantised (4 or 8 bits). */
  public boolean quantized() {
    return loadIn4bit || loadIn8bit;
  }
}
