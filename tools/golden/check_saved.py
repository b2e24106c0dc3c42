#!/usr/bin/env python3
"""Checks that Python's transformers, safetensors and tokenizers read what FAI-RL for Java saves.

Input: OUT_DIR from `java -cp <test classpath> ai.fairl.model.SavedModelFixture OUT_DIR`, and the
golden fixtures the saved models came from. Checks, per case: AutoConfig.from_pretrained reads
config.json into the same architecture/shape/rope settings as the original; every tensor of the
saved weights (single file or sharded index) equals the original bit for bit (safetensors, numpy);
and AutoTokenizer loads the character tokenizer and encodes like Java. Prints a JSON report.
Needs: transformers, safetensors, numpy (torch not needed).
Usage: python3 tools/golden/check_saved.py OUT_DIR fairl-core/src/test/resources/golden
"""
import json
import os
import sys

import numpy as np
import transformers
from safetensors.numpy import load_file
from transformers import AutoConfig, AutoTokenizer

out, golden = sys.argv[1], sys.argv[2]
report = {"transformers": transformers.__version__, "cases": {}, "ok": True}


def weights(d):
    idx = os.path.join(d, "model.safetensors.index.json")
    if os.path.exists(idx):
        files = sorted(set(json.load(open(idx))["weight_map"].values()))
        t = {}
        for f in files:
            t.update(load_file(os.path.join(d, f)))
        return t, files
    return load_file(os.path.join(d, "model.safetensors")), ["model.safetensors"]


for case in sorted(os.listdir(out)):
    d = os.path.join(out, case)
    if case == "tiny_qwen3":
        tok = AutoTokenizer.from_pretrained(d)
        ids = tok("Hi there!\n", add_special_tokens=False)["input_ids"]
        want = json.load(open(os.path.join(d, "expected_ids.json")))
        ok = ids == want and tok.decode(ids) == "Hi there!\n" and tok.eos_token == "</s>"
        AutoConfig.from_pretrained(d)
        report["cases"][case] = {"tokenizer_ok": ok, "ids": ids}
        report["ok"] &= ok
        continue
    a, b = AutoConfig.from_pretrained(os.path.join(golden, case)), AutoConfig.from_pretrained(d)
    keys = ["architectures", "hidden_size", "num_hidden_layers", "num_attention_heads", "num_key_value_heads",
            "head_dim", "vocab_size", "tie_word_embeddings", "rms_norm_eps", "intermediate_size"]
    cfg_diff = {k: (getattr(a, k, None), getattr(b, k, None)) for k in keys if getattr(a, k, None) != getattr(b, k, None)}
    ra = getattr(a, "rope_parameters", None) or {}
    rb = getattr(b, "rope_parameters", None) or {}
    if {k: v for k, v in ra.items()} != {k: v for k, v in rb.items()}:
        cfg_diff["rope_parameters"] = (ra, rb)
    if getattr(a, "sliding_window", None) != getattr(b, "sliding_window", None):
        cfg_diff["sliding_window"] = (a.sliding_window, b.sliding_window)
    if getattr(a, "attention_bias", None) != getattr(b, "attention_bias", None):
        cfg_diff["attention_bias"] = (a.attention_bias, b.attention_bias)
    ta, _ = weights(os.path.join(golden, case))
    tb, files = weights(d)
    if a.tie_word_embeddings:
        ta.pop("lm_head.weight", None)
    diff = sorted(k for k in set(ta) | set(tb) if k not in ta or k not in tb or ta[k].dtype != tb[k].dtype
                  or not np.array_equal(ta[k], tb[k]))
    ok = not cfg_diff and not diff
    report["cases"][case] = {"config_diff": {k: str(v) for k, v in cfg_diff.items()}, "tensor_diff": diff,
                             "files": files, "tensors": len(tb), "ok": ok}
    report["ok"] &= ok
print(json.dumps(report, indent=1))
sys.exit(0 if report["ok"] else 1)
