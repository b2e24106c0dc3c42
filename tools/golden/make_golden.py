#!/usr/bin/env python3
"""Golden parity fixtures for FAI-RL for Java, produced by Hugging Face transformers.

For each case: a tiny random model (fp32, seeded) saved with save_pretrained (config.json +
model.safetensors), and golden.safetensors holding input_ids, attention_mask, position_ids
(batch 2, length 72, row 1 left-padded by 8), the logits of one forward pass, and 8 greedy tokens
from generate(). Norm weights and biases are perturbed away from 1/0 so that a wrongly applied norm
or bias shows up. Everything runs on the CPU in fp32 with eager attention, so the numbers are what
the Java side (DJL's PyTorch CPU engine) should reproduce within 1e-4.

Rerun (needs torch, transformers, safetensors):
    python3 tools/golden/make_golden.py OUT_DIR
then copy OUT_DIR/* to fairl-core/src/test/resources/golden/.
"""
import json
import os
import sys
import traceback

import torch
import transformers
from safetensors.torch import save_file

OUT = sys.argv[1] if len(sys.argv) > 1 else "golden-out"
MAJOR = int(transformers.__version__.split(".")[0])
VOCAB, HIDDEN, INTER, LAYERS, SEQ, PAD_LEFT, NEW = 128, 32, 64, 2, 72, 8, 8


def rope(theta, scaling=None):
    if MAJOR >= 5:
        d = {"rope_type": "default", "rope_theta": theta}
        if scaling:
            d = dict(scaling, rope_theta=theta)
        return {"rope_parameters": d}
    out = {"rope_theta": theta}
    if scaling:
        out["rope_scaling"] = scaling
    return out


LLAMA3 = {"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
          "original_max_position_embeddings": 32}
COMMON = dict(vocab_size=VOCAB, hidden_size=HIDDEN, intermediate_size=INTER, num_hidden_layers=LAYERS,
              max_position_embeddings=256, initializer_range=0.1)

CASES = {
    # GQA, llama3 rope scaling exercised past original_max_position_embeddings (32), tied
    "llama3_gqa_tied": ("LlamaConfig", "LlamaForCausalLM",
                        dict(COMMON, num_attention_heads=4, num_key_value_heads=2, tie_word_embeddings=True,
                             rms_norm_eps=1e-5, **rope(500000.0, LLAMA3))),
    # Llama 2 style: multi-head (kv == heads), untied, attention bias on
    "llama2_mha_untied_bias": ("LlamaConfig", "LlamaForCausalLM",
                               dict(COMMON, num_attention_heads=4, num_key_value_heads=4,
                                    tie_word_embeddings=False, attention_bias=True, rms_norm_eps=1e-6,
                                    **rope(10000.0))),
    # Qwen2: q/k/v bias, tied, GQA
    "qwen2_tied": ("Qwen2Config", "Qwen2ForCausalLM",
                   dict(COMMON, num_attention_heads=4, num_key_value_heads=2, tie_word_embeddings=True,
                        rms_norm_eps=1e-6, use_sliding_window=False, **rope(1000000.0))),
    # Qwen3: q/k norm, explicit head_dim (16 != 32/4), untied
    "qwen3_headdim_untied": ("Qwen3Config", "Qwen3ForCausalLM",
                             dict(COMMON, num_attention_heads=4, num_key_value_heads=2, head_dim=16,
                                  tie_word_embeddings=False, rms_norm_eps=1e-6, use_sliding_window=False,
                                  **rope(1000000.0))),
    # Mistral with a sliding window (16) shorter than the sequence (72)
    "mistral_sliding": ("MistralConfig", "MistralForCausalLM",
                        dict(COMMON, num_attention_heads=4, num_key_value_heads=2, sliding_window=16,
                             tie_word_embeddings=False, rms_norm_eps=1e-5, **rope(10000.0))),
    # reward-model head: score on the last non-pad token
    "qwen2_seqcls": ("Qwen2Config", "Qwen2ForSequenceClassification",
                     dict(COMMON, num_attention_heads=4, num_key_value_heads=2, tie_word_embeddings=True,
                          rms_norm_eps=1e-6, use_sliding_window=False, num_labels=1, pad_token_id=0,
                          **rope(1000000.0))),
}


def inputs(gen):
    ids = torch.randint(1, VOCAB, (2, SEQ), generator=gen)
    mask = torch.ones(2, SEQ, dtype=torch.long)
    ids[1, :PAD_LEFT] = 0
    mask[1, :PAD_LEFT] = 0
    pos = (mask.cumsum(-1) - 1).clamp(min=0)
    return ids, mask, pos


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.set_num_threads(4)
    report = {"torch": torch.__version__, "transformers": transformers.__version__, "cases": {}}
    for i, (name, (cfg_cls, model_cls, kwargs)) in enumerate(CASES.items()):
        try:
            torch.manual_seed(1000 + i)
            cfg = getattr(transformers, cfg_cls)(**kwargs)
            cfg._attn_implementation = "eager"
            model = getattr(transformers, model_cls)(cfg).float().eval()
            with torch.no_grad():
                for pname, p in model.named_parameters():
                    if "norm" in pname or pname.endswith(".bias"):
                        p.add_(0.1 * torch.randn_like(p))
            d = os.path.join(OUT, name)
            model.save_pretrained(d, safe_serialization=True)
            gen = torch.Generator().manual_seed(7 + i)
            ids, mask, pos = inputs(gen)
            tensors = {"input_ids": ids, "attention_mask": mask, "position_ids": pos}
            with torch.no_grad():
                out = model(input_ids=ids, attention_mask=mask, position_ids=pos)
                tensors["logits"] = out.logits.float().contiguous()
                if model_cls.endswith("ForCausalLM"):
                    model.generation_config.eos_token_id = None
                    model.generation_config.pad_token_id = 0
                    g = model.generate(input_ids=ids, attention_mask=mask, max_new_tokens=NEW, do_sample=False,
                                       pad_token_id=0)
                    tensors["greedy"] = g[:, SEQ:].contiguous()
            save_file(tensors, os.path.join(d, "golden.safetensors"))
            for extra in ("generation_config.json",):
                p = os.path.join(d, extra)
                if os.path.exists(p):
                    os.remove(p)
            rot = getattr(getattr(model, "model", None), "rotary_emb", None)
            report["cases"][name] = {"ok": True, "rope_type": getattr(rot, "rope_type", None),
                                     "logits_shape": list(tensors["logits"].shape),
                                     "greedy": tensors.get("greedy", torch.zeros(0)).tolist()}
        except Exception:  # keep going: one broken case must not hide the others
            report["cases"][name] = {"ok": False, "error": traceback.format_exc()}
    with open(os.path.join(OUT, "report.json"), "w") as f:
        json.dump(report, f, indent=1)
    print(json.dumps({k: (v["ok"], v.get("rope_type")) for k, v in report["cases"].items()}))


if __name__ == "__main__":
    main()
