"""The plain PyTorch + transformers (+ peft) baseline that `fairl bench` rows are compared with.

Reproduces the H100 appendix of shared/reference/performance-anchors.md: random-init bf16 models
built from configs with the real architectures (no download), batch 8 x 512 random tokens,
labels = input_ids, fused AdamW, SDPA attention, 10 timed steps after 3 warm-up; MFU =
6 * N * tokens/s / 989.4 TFLOP/s (LoRA r8 all-linear: 4 * N); decode = generate() from a 32-token
prompt, 128 new tokens, greedy, batch 1 and 64. Tokens/s counts every token of the batch (no
padding). Each timed region is bracketed by torch.cuda.synchronize(). Peak memory is the CUDA
caching allocator's peak (max_memory_allocated) for the full fine-tuning run.

Usage: python3 tools/bench/baseline.py [--shapes qwen2.5-0.5b,llama-3.2-1b,llama-3.2-3b]
           [--rows sft,lora,decode] [--out baseline.json]
Prints a table and the losses of the last step (the "same work" check of CONVENTIONS); writes the
JSON after every row.
"""
import argparse
import gc
import json
import time

import torch

PEAK_TFLOPS = 989.4  # H100 SXM dense bf16

SHAPES = {
    # from the models' config.json (Qwen/Qwen2.5-0.5B, meta-llama/Llama-3.2-1B, -3B)
    "qwen2.5-0.5b": dict(
        kind="qwen2", vocab_size=151936, hidden_size=896, intermediate_size=4864,
        num_hidden_layers=24, num_attention_heads=14, num_key_value_heads=2,
        max_position_embeddings=32768, rope_theta=1000000.0, rms_norm_eps=1e-6,
        tie_word_embeddings=True),
    "llama-3.2-1b": dict(
        kind="llama", vocab_size=128256, hidden_size=2048, intermediate_size=8192,
        num_hidden_layers=16, num_attention_heads=32, num_key_value_heads=8, head_dim=64,
        max_position_embeddings=131072, rope_theta=500000.0, rms_norm_eps=1e-5,
        tie_word_embeddings=True,
        rope_scaling=dict(rope_type="llama3", factor=32.0, low_freq_factor=1.0,
                          high_freq_factor=4.0, original_max_position_embeddings=8192)),
    "llama-3.2-3b": dict(
        kind="llama", vocab_size=128256, hidden_size=3072, intermediate_size=8192,
        num_hidden_layers=28, num_attention_heads=24, num_key_value_heads=8, head_dim=128,
        max_position_embeddings=131072, rope_theta=500000.0, rms_norm_eps=1e-5,
        tie_word_embeddings=True,
        rope_scaling=dict(rope_type="llama3", factor=32.0, low_freq_factor=1.0,
                          high_freq_factor=4.0, original_max_position_embeddings=8192)),
}


def build(name):
    from transformers import LlamaConfig, Qwen2Config, AutoModelForCausalLM
    spec = dict(SHAPES[name])
    kind = spec.pop("kind")
    cfg = (Qwen2Config if kind == "qwen2" else LlamaConfig)(**spec)
    torch.manual_seed(0)
    with torch.device("cuda"):
        try:
            model = AutoModelForCausalLM.from_config(cfg, dtype=torch.bfloat16,
                                                     attn_implementation="sdpa")
        except TypeError:  # transformers before `dtype` replaced `torch_dtype`
            model = AutoModelForCausalLM.from_config(cfg, torch_dtype=torch.bfloat16,
                                                     attn_implementation="sdpa")
    return model


def warm_gpu(seconds):
    """Runs bf16 matmuls for a few seconds: an idle H100 sits at ~345 MHz and the first row
    otherwise pays for the clock ramp (seen: the first shape 31% below the appendix)."""
    a = torch.randn(8192, 8192, device="cuda", dtype=torch.bfloat16)
    torch.cuda.synchronize()
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        for _ in range(10):
            a @ a
        torch.cuda.synchronize()
    del a
    torch.cuda.empty_cache()


def n_params(model):
    return sum(p.numel() for p in model.parameters())


def train_row(name, lora, batch, seq, warmup, steps):
    model = build(name)
    n = n_params(model)
    if lora:
        from peft import LoraConfig, get_peft_model
        model = get_peft_model(model, LoraConfig(r=8, lora_alpha=16, target_modules="all-linear",
                                                 lora_dropout=0.0, task_type="CAUSAL_LM"))
    model.train()
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=1e-5, fused=True)
    gen = torch.Generator(device="cuda").manual_seed(1)
    vocab = SHAPES[name]["vocab_size"]
    batches = [torch.randint(0, vocab, (batch, seq), device="cuda", generator=gen)
               for _ in range(warmup + steps)]
    torch.cuda.synchronize()
    torch.cuda.reset_peak_memory_stats()
    losses = []
    t0 = None
    for i, ids in enumerate(batches):
        if i == warmup:
            torch.cuda.synchronize()
            t0 = time.perf_counter()
        loss = model(input_ids=ids, labels=ids).loss
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
        losses.append(loss.item() if i == len(batches) - 1 else None)
    torch.cuda.synchronize()
    dt = time.perf_counter() - t0
    tok_s = steps * batch * seq / dt
    flops_per_token = (4 if lora else 6) * n
    peak = torch.cuda.max_memory_allocated()
    del model, opt, batches
    gc.collect()
    torch.cuda.empty_cache()
    return dict(tokens_per_s=tok_s, mfu=tok_s * flops_per_token / (PEAK_TFLOPS * 1e12),
                step_s=dt / steps, peak_gb=peak / 1e9, params=n, last_loss=losses[-1])


@torch.no_grad()
def decode_row(name, batch, prompt=32, new=128):
    model = build(name).eval()
    vocab = SHAPES[name]["vocab_size"]
    gen = torch.Generator(device="cuda").manual_seed(2)
    ids = torch.randint(0, vocab, (batch, prompt), device="cuda", generator=gen)
    kw = dict(max_new_tokens=new, min_new_tokens=new, do_sample=False, pad_token_id=0)
    model.generate(ids, **dict(kw, max_new_tokens=8, min_new_tokens=8))  # warm-up
    torch.cuda.synchronize()
    t0 = time.perf_counter()
    out = model.generate(ids, **kw)
    torch.cuda.synchronize()
    dt = time.perf_counter() - t0
    produced = (out.shape[1] - prompt) * batch
    del model
    gc.collect()
    torch.cuda.empty_cache()
    return dict(tokens_per_s=produced / dt, seconds=dt)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--shapes", default="qwen2.5-0.5b,llama-3.2-1b,llama-3.2-3b")
    ap.add_argument("--rows", default="sft,lora,decode")
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--seq", type=int, default=512)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--out", default="baseline.json")
    ap.add_argument("--warmup-seconds", type=float, default=5.0,
                    help="bf16 matmuls before the first row, so clocks have ramped up")
    args = ap.parse_args()
    import transformers
    result = dict(card=torch.cuda.get_device_name(), torch=torch.__version__,
                  transformers=transformers.__version__, batch=args.batch, seq=args.seq,
                  tokens="batch * seq per step, no padding", rows={})
    rows = args.rows.split(",")
    warm_gpu(args.warmup_seconds)
    for name in args.shapes.split(","):
        r = result["rows"].setdefault(name, {})
        if "sft" in rows:
            r["sft_full"] = train_row(name, False, args.batch, args.seq, args.warmup, args.steps)
        if "lora" in rows:
            r["lora_r8"] = train_row(name, True, args.batch, args.seq, args.warmup, args.steps)
        if "decode" in rows:
            r["decode_b1"] = decode_row(name, 1)
            r["decode_b64"] = decode_row(name, 64)
        with open(args.out, "w") as f:
            json.dump(result, f, indent=2)
        print(f"ROW {name} {json.dumps(r)}", flush=True)
    print(f"\n{result['card']}, torch {result['torch']}, transformers {result['transformers']}")
    print(f"{'shape':14} {'params':>8} {'SFT tok/s (MFU)':>20} {'LoRA tok/s':>11} {'dec b1':>7} {'dec b64':>8} {'peak GB':>8} {'loss':>6}")
    for name, r in result["rows"].items():
        s, lo = r.get("sft_full", {}), r.get("lora_r8", {})
        print(f"{name:14} {s.get('params', 0) / 1e6:7.0f}M "
              f"{s.get('tokens_per_s', 0):11,.0f} ({s.get('mfu', 0) * 100:4.1f}%) "
              f"{lo.get('tokens_per_s', 0):11,.0f} {r.get('decode_b1', {}).get('tokens_per_s', 0):7.0f} "
              f"{r.get('decode_b64', {}).get('tokens_per_s', 0):8,.0f} {s.get('peak_gb', 0):8.1f} "
              f"{s.get('last_loss') or 0:6.3f}")


if __name__ == "__main__":
    main()
