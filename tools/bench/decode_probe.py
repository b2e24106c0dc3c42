"""Decode-step probe (Llama-3.2-1B shape, batch 1, H100): a manual KV-cache loop over new key
lengths, then generate() over lengths already seen, and a profile of 8 generated tokens. It showed
that the first pass over each key length is slow on PyTorch 2.11 (cuDNN attention), which is why
baseline.py warms decode up over the full length. Usage: cd tools/bench && python3 decode_probe.py
"""
import time, torch
from baseline import build, warm_gpu
warm_gpu(3)
m = build("llama-3.2-1b").eval()
ids = torch.randint(3, 128000, (1, 32), device="cuda")
with torch.no_grad():
    out = m(ids, use_cache=True); past = out.past_key_values; tok = out.logits[:, -1:].argmax(-1)
    for _ in range(5):
        out = m(tok, past_key_values=past, use_cache=True); past = out.past_key_values; tok = out.logits[:, -1:].argmax(-1)
    torch.cuda.synchronize(); t0 = time.perf_counter()
    for _ in range(64):
        out = m(tok, past_key_values=past, use_cache=True); past = out.past_key_values; tok = out.logits[:, -1:].argmax(-1)
    torch.cuda.synchronize(); print("PROBE manual_loop ms/step %.2f" % ((time.perf_counter() - t0) / 64 * 1e3))
    for kw in [dict(), dict(min_new_tokens=64), dict(min_new_tokens=64, pad_token_id=0)]:
        m.generate(ids, max_new_tokens=8, min_new_tokens=8, do_sample=False)
        torch.cuda.synchronize(); t0 = time.perf_counter()
        g = m.generate(ids, max_new_tokens=64, do_sample=False, **kw)
        torch.cuda.synchronize(); n = g.shape[1] - 32
        print("PROBE generate %s new=%d ms/step %.2f" % (kw, n, (time.perf_counter() - t0) / max(n, 1) * 1e3))
    print("PROBE generation_config", m.generation_config)
    from torch.profiler import profile, ProfilerActivity
    with profile(activities=[ProfilerActivity.CPU, ProfilerActivity.CUDA]) as prof:
        m.generate(ids, max_new_tokens=8, min_new_tokens=8, do_sample=False, pad_token_id=0)
    print(prof.key_averages().table(sort_by="cpu_time_total", row_limit=12))
