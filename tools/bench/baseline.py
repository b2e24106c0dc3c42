"""The plain PyTorch + transformers (+ peft) baseline that `fairl bench` rows are compared with.

Reproduces the H100 appendix of shared/reference/performance-anchors.md: random-init bf16 models
built from configs with the real architectures (no download), batch 8 x 512 random tokens,
labels = input_ids, fused AdamW, SDPA attention, 10 timed steps after 3 warm-up; MFU =
6 * N * tokens/s / 989.4 TFLOP/s (LoRA r8 all-linear: 4 * N); decode = generate() from a 32-token
prompt, 128 new tokens, greedy, batch 1 and 64. Tokens/s counts every token of the batch (no
padding). Each timed region is bracketed by torch.cuda.synchronize(). Peak memory is the CUDA
caching allocator's peak (max_memory_allocated) for the full fine-tuning run.

Usage: python3 tools/bench/baseline.py [--shapes qwen2.5-0.5b,llama-3.2-1b,llama-3.2-3b]
           [--rows sft,sft_amp,lora,decode,dpo,grpo,qlora] [--out baseline.json]
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
    # meta-llama/Meta-Llama-3-8B config.json, for the QLoRA memory row
    "llama-3-8b": dict(
        kind="llama", vocab_size=128256, hidden_size=4096, intermediate_size=14336,
        num_hidden_layers=32, num_attention_heads=32, num_key_value_heads=8, head_dim=128,
        max_position_embeddings=8192, rope_theta=500000.0, rms_norm_eps=1e-5,
        tie_word_embeddings=False),
}


def hash_tokens(step, rows, seq, vocab, device="cuda"):
    """The tokens `fairl bench` trains on (BenchRows.token): a 64-bit LCG hash of (step, row, t),
    int64 arithmetic wrapping as Java's long does, so both sides see identical data."""
    r = torch.arange(rows, dtype=torch.int64).view(rows, 1)
    t = torch.arange(seq, dtype=torch.int64).view(1, seq)
    x = step * 1000003 + r * 10007 + t * 101 + 12345
    h = x * 6364136223846793005 + 1442695040888963407
    return (((h >> 33) & 0x7FFFFFFF) % vocab).to(device)


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


def train_row(name, lora, batch, seq, warmup, steps, amp=False, max_grad_norm=1.0):
    """Pure bf16 (the model in bf16, fused AdamW over bf16 weights and states), or with `amp` full
    fine-tuning as HF's Trainer runs an fp32 model with `bf16: true` (DeepSpeed's bf16 optimizer
    does the same work): fp32 master weights, the forward and backward under bf16 autocast,
    clip_grad_norm_, fused AdamW over fp32 weights and states. The recipe path (TrainLoop) does the
    `amp` work, so its row (`sft_amp`) is compared with that one. Gradients set to None."""
    model = build(name)
    if amp:
        model = model.float()
    n = n_params(model)
    if lora:
        from peft import LoraConfig, get_peft_model
        model = get_peft_model(model, LoraConfig(r=8, lora_alpha=16, target_modules="all-linear",
                                                 lora_dropout=0.0, task_type="CAUSAL_LM"))
    model.train()
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=1e-5, fused=True)
    vocab = SHAPES[name]["vocab_size"]
    batches = [hash_tokens(i, batch, seq, vocab) for i in range(warmup + steps)]
    torch.cuda.synchronize()
    torch.cuda.reset_peak_memory_stats()
    losses = []
    t0 = None
    for i, ids in enumerate(batches):
        if i == warmup:
            torch.cuda.synchronize()
            t0 = time.perf_counter()
        with torch.autocast("cuda", dtype=torch.bfloat16, enabled=amp):
            loss = model(input_ids=ids, labels=ids).loss
        loss.backward()
        if amp:
            torch.nn.utils.clip_grad_norm_(params, max_grad_norm)
        opt.step()
        opt.zero_grad(set_to_none=True)
        losses.append(loss.item() if i == len(batches) - 1 else None)
    torch.cuda.synchronize()
    dt = time.perf_counter() - t0
    tok_s = steps * batch * seq / dt
    flops_per_token = (4 if lora else 6) * n
    peak = torch.cuda.max_memory_allocated()
    split = None if amp else time_split(model, opt, batches[-1])
    del model, opt, batches
    gc.collect()
    torch.cuda.empty_cache()
    row = dict(tokens_per_s=tok_s, mfu=tok_s * flops_per_token / (PEAK_TFLOPS * 1e12),
               step_s=dt / steps, peak_gb=peak / 1e9, params=n, last_loss=losses[-1])
    if split is not None:
        row["split"] = split
    return row


def time_split(model, opt, ids, reps=2):
    """Where a step's time goes (as BenchRows.trainSteps splits ours), after the timed steps: host
    time to enqueue the forward, then forward, backward and optimizer with the device synchronised
    between them; milliseconds of the last of `reps` steps."""
    out = {}
    for _ in range(reps):
        a = time.perf_counter()
        loss = model(input_ids=ids, labels=ids).loss
        b = time.perf_counter()
        torch.cuda.synchronize()
        c = time.perf_counter()
        loss.backward()
        torch.cuda.synchronize()
        d = time.perf_counter()
        opt.step()
        opt.zero_grad(set_to_none=True)
        torch.cuda.synchronize()
        e = time.perf_counter()
        out = dict(forward_enqueue_ms=(b - a) * 1e3, forward_ms=(c - a) * 1e3,
                   backward_ms=(d - c) * 1e3, optimizer_ms=(e - d) * 1e3)
    return out


@torch.no_grad()
def decode_row(name, batch, prompt=32, new=128):
    model = build(name).eval()
    vocab = SHAPES[name]["vocab_size"]
    ids = hash_tokens(1_000_000, batch, prompt, vocab)
    kw = dict(max_new_tokens=new, min_new_tokens=new, do_sample=False, pad_token_id=0)
    # Warm-up over the same lengths: PyTorch 2.11 runs this SDPA through cuDNN, which appears to
    # build a plan per new key length; with an 8-token warm-up the timed run met 120 new lengths
    # and decode looked 5x slower (H100 probe, Llama-3.2-1B batch 1: 69 ms/step over new lengths,
    # 11 ms/step over lengths seen before).
    model.generate(ids, **kw)
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


def seq_logps(model, ids):
    """Log-probs of each next token, (rows, seq - 1) fp32, as TRL computes them (fp32 logits)."""
    logits = model(input_ids=ids).logits[:, :-1].float()
    return torch.gather(logits.log_softmax(-1), 2, ids[:, 1:, None]).squeeze(-1)


def dpo_row(name, pairs, seq, warmup, steps, beta=0.1):
    """One DPO step (sigmoid loss): full fine-tuning policy and a frozen reference (same init),
    rows [0, pairs) chosen and [pairs, 2 pairs) rejected, the same tokens as `fairl bench`."""
    policy, ref = build(name), build(name).eval()
    ref.requires_grad_(False)
    policy.train()
    opt = torch.optim.AdamW(policy.parameters(), lr=1e-5, fused=True)
    vocab = SHAPES[name]["vocab_size"]
    torch.cuda.synchronize()
    torch.cuda.reset_peak_memory_stats()
    last, t0 = None, None
    for i in range(warmup + steps):
        if i == warmup:
            torch.cuda.synchronize()
            t0 = time.perf_counter()
        ids = hash_tokens(100 + i, 2 * pairs, seq, vocab)
        pol = seq_logps(policy, ids).sum(1)
        with torch.no_grad():
            rf = seq_logps(ref, ids).sum(1)
        d = pol - rf
        z = beta * (d[:pairs] - d[pairs:])
        loss = -torch.nn.functional.logsigmoid(z).mean()
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
        if i == warmup + steps - 1:
            last = loss.item()
    torch.cuda.synchronize()
    dt = (time.perf_counter() - t0) / steps
    peak = torch.cuda.max_memory_allocated()
    del policy, ref, opt
    gc.collect()
    torch.cuda.empty_cache()
    return dict(pairs_per_s=pairs / dt, tokens_per_s=2 * pairs * seq / dt, step_s=dt,
                peak_gb=peak / 1e9, last_loss=last)


def grpo_row(name, prompts, group, prompt_len, new, steps, beta=0.04, eps=0.2):
    """One GRPO step split into sampling (temperature 1, no top-k/top-p), two no-grad log-prob
    passes (old policy, reference) and the update (loss type grpo: per-sequence token mean, k3 KL),
    with the fixed advantages `fairl bench` uses. Step 0 warms up and is not counted."""
    policy, ref = build(name), build(name).eval()
    ref.requires_grad_(False)
    opt = torch.optim.AdamW(policy.parameters(), lr=1e-5, fused=True)
    vocab = SHAPES[name]["vocab_size"]
    rows = prompts * group
    adv = torch.tensor([((r % group) - (group - 1) / 2.0) / max(1, group / 2.0)
                        for r in range(rows)], device="cuda").view(rows, 1)
    torch.cuda.synchronize()
    torch.cuda.reset_peak_memory_stats()
    tg = tl = tu = 0.0
    last = None
    for step in range(steps + 1):
        p = hash_tokens(2_000_000 + step, prompts, prompt_len, vocab).repeat_interleave(group, 0)
        n = 4 if step == 0 else new
        torch.cuda.synchronize()
        t0 = time.perf_counter()
        policy.eval()
        with torch.no_grad():
            out = policy.generate(p, max_new_tokens=n, min_new_tokens=n, do_sample=True,
                                  temperature=1.0, top_k=0, top_p=1.0, pad_token_id=0)
        torch.cuda.synchronize()
        t1 = time.perf_counter()
        cols = slice(prompt_len - 1, None)
        with torch.no_grad():
            old = seq_logps(policy, out)[:, cols]
            rf = seq_logps(ref, out)[:, cols]
        torch.cuda.synchronize()
        t2 = time.perf_counter()
        policy.train()
        lp = seq_logps(policy, out)[:, cols]
        w = torch.exp(lp - old)
        per_token = -torch.min(w * adv, torch.clamp(w, 1 - eps, 1 + eps) * adv)
        per_token = per_token + beta * (torch.exp(rf - lp) - (rf - lp) - 1)
        loss = per_token.mean(1).mean()
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
        last = loss.item()
        torch.cuda.synchronize()
        t3 = time.perf_counter()
        if step > 0:
            tg += t1 - t0
            tl += t2 - t1
            tu += t3 - t2
    peak = torch.cuda.max_memory_allocated()
    del policy, ref, opt
    gc.collect()
    torch.cuda.empty_cache()
    return dict(generation_s=tg / steps, logprob_s=tl / steps, update_s=tu / steps,
                step_s=(tg + tl + tu) / steps, completions=rows, peak_gb=peak / 1e9,
                last_loss=last)


def qlora_row(batch, seq, steps):
    """QLoRA peak memory (NF4, double quantisation, LoRA r8 all-linear) for the Llama-3-8B shape;
    needs bitsandbytes. Without it, the row records the published anchor instead."""
    try:
        import bitsandbytes  # noqa: F401
    except ImportError:
        return dict(skipped="bitsandbytes is not installed on this host",
                    anchor_peak_gib=7.4,
                    anchor="torchtune README, Llama 3.1 8B QLoRA on an RTX 4090, bs2 x packed 2048")
    from transformers import BitsAndBytesConfig, LlamaConfig, AutoModelForCausalLM
    from peft import LoraConfig, get_peft_model, prepare_model_for_kbit_training
    spec = dict(SHAPES["llama-3-8b"])
    spec.pop("kind")
    import tempfile
    with tempfile.TemporaryDirectory() as d:
        torch.manual_seed(0)
        AutoModelForCausalLM.from_config(LlamaConfig(**spec), dtype=torch.bfloat16).save_pretrained(d)
        q = BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type="nf4",
                               bnb_4bit_use_double_quant=True, bnb_4bit_compute_dtype=torch.bfloat16)
        model = AutoModelForCausalLM.from_pretrained(d, quantization_config=q, device_map="cuda")
    model = get_peft_model(model, LoraConfig(r=8, lora_alpha=16, target_modules="all-linear",
                                             lora_dropout=0.0, task_type="CAUSAL_LM"))
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-5, fused=True)
    torch.cuda.synchronize()
    torch.cuda.reset_peak_memory_stats()
    for i in range(steps + 1):
        ids = hash_tokens(300 + i, batch, seq, spec["vocab_size"])
        loss = model(input_ids=ids, labels=ids).loss
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
    torch.cuda.synchronize()
    peak = torch.cuda.max_memory_allocated()
    return dict(peak_gb=peak / 1e9, peak_gib=peak / 2**30, batch=batch, seq=seq)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--shapes", default="qwen2.5-0.5b,llama-3.2-1b,llama-3.2-3b")
    ap.add_argument("--rows", default="sft,lora,decode,dpo,grpo,qlora")
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
        if "sft_amp" in rows:
            r["sft_amp"] = train_row(name, False, args.batch, args.seq, args.warmup, args.steps,
                                     amp=True)
        if "lora" in rows:
            r["lora_r8"] = train_row(name, True, args.batch, args.seq, args.warmup, args.steps)
        if "decode" in rows:
            r["decode_b1"] = decode_row(name, 1)
            r["decode_b64"] = decode_row(name, 64)
        first = name == args.shapes.split(",")[0]
        if "dpo" in rows and first:
            r["dpo"] = dpo_row(name, max(1, args.batch // 2), args.seq, args.warmup, args.steps)
        if "grpo" in rows and first:
            r["grpo"] = grpo_row(name, 8, 4, 32, 128, 3)
        with open(args.out, "w") as f:
            json.dump(result, f, indent=2)
        print(f"ROW {name} {json.dumps(r)}", flush=True)
    if "qlora" in rows:
        result["rows"]["llama-3-8b"] = dict(qlora=qlora_row(2, args.seq, 3))
        with open(args.out, "w") as f:
            json.dump(result, f, indent=2)
        print(f"ROW llama-3-8b {json.dumps(result['rows']['llama-3-8b'])}", flush=True)
    print(f"\n{result['card']}, torch {result['torch']}, transformers {result['transformers']}")
    print(f"{'shape':14} {'params':>8} {'SFT tok/s (MFU)':>20} {'LoRA tok/s':>11} {'dec b1':>7} {'dec b64':>8} {'peak GB':>8} {'loss':>6}")
    for name, r in result["rows"].items():
        if "sft_full" not in r and "lora_r8" not in r and "decode_b1" not in r:
            continue
        s, lo = r.get("sft_full", {}), r.get("lora_r8", {})
        print(f"{name:14} {s.get('params', 0) / 1e6:7.0f}M "
              f"{s.get('tokens_per_s', 0):11,.0f} ({s.get('mfu', 0) * 100:4.1f}%) "
              f"{lo.get('tokens_per_s', 0):11,.0f} {r.get('decode_b1', {}).get('tokens_per_s', 0):7.0f} "
              f"{r.get('decode_b64', {}).get('tokens_per_s', 0):8,.0f} {s.get('peak_gb', 0):8.1f} "
              f"{s.get('last_loss') or 0:6.3f}")


if __name__ == "__main__":
    main()
