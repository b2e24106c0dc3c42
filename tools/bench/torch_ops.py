"""Plain-PyTorch numbers for the ops GpuCheck measures through DJL + fairl-native, same shapes,
same card, same run (so the two columns compare): bf16 matmul, causal GQA attention (SDPA),
chosen-token log-probs (full fp32 log_softmax, the usual eager code), fused AdamW.

Timing: warm-up, torch.cuda.synchronize() around each repeat, median. Prints RESULT lines like
GpuCheck. Usage: python3 tools/bench/torch_ops.py
"""
import statistics
import time

import torch
import torch.nn.functional as F


def median_ms(fn, warmup, repeats):
    for _ in range(warmup):
        fn()
    torch.cuda.synchronize()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        torch.cuda.synchronize()
        times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times)


def main():
    dev = "cuda"
    torch.manual_seed(0)
    print(f"torch {torch.__version__} cuda {torch.version.cuda} on {torch.cuda.get_device_name()}")
    n = 8192
    a = torch.randn(n, n, device=dev).bfloat16()
    b = torch.randn(n, n, device=dev).bfloat16()
    ms = median_ms(lambda: a @ b, 3, 20)
    print(f"RESULT torch_bf16_matmul n={n} median_ms={ms:.3f} tflops={2 * n ** 3 / ms / 1e9:.1f}")

    bs, h, kvh, t, d = 4, 32, 8, 2048, 64
    q = torch.randn(bs, h, t, d, device=dev).bfloat16()
    k = torch.randn(bs, kvh, t, d, device=dev).bfloat16()
    v = torch.randn(bs, kvh, t, d, device=dev).bfloat16()
    flops = 4.0 * bs * h * t * t * d / 2
    ms = median_ms(lambda: F.scaled_dot_product_attention(q, k, v, is_causal=True, enable_gqa=True), 3, 20)
    print(f"RESULT torch_sdpa_causal_gqa b={bs} h={h} kv={kvh} t={t} d={d} median_ms={ms:.3f} tflops={flops / ms / 1e9:.1f}")

    rows, hid, vocab = 8 * 512, 896, 151936
    hidden = torch.randn(rows, hid, device=dev).bfloat16().requires_grad_()
    head = (torch.randn(vocab, hid, device=dev) * 0.02).bfloat16().requires_grad_()
    targets = torch.randint(0, vocab, (rows,), device=dev)
    torch.cuda.synchronize()
    base = torch.cuda.memory_allocated()
    torch.cuda.reset_peak_memory_stats()
    t0 = time.perf_counter()
    logits = (hidden @ head.t()).float()
    lp = logits.log_softmax(-1).gather(1, targets[:, None]).squeeze(1)
    lp.sum().backward()
    torch.cuda.synchronize()
    ms = (time.perf_counter() - t0) * 1e3
    peak = torch.cuda.max_memory_allocated() - base
    print(f"RESULT torch_chosen_logprobs impl=eager_full rows={rows} vocab={vocab} peak_extra_mib={peak / 2 ** 20:.0f} ms={ms:.1f} sum={lp.sum().item():.3f}")
    del logits, lp

    params = [torch.randn(2048, 2048, device=dev, requires_grad=True) for _ in range(48)]
    for p in params:
        p.grad = torch.randn_like(p)
    opt = torch.optim.AdamW(params, lr=1e-4, weight_decay=0.01, fused=True)
    ms = median_ms(opt.step, 2, 10)
    print(f"RESULT torch_adamw impl=fused params={48 * 2048 * 2048} median_ms={ms:.3f}")
    print(f"RESULT torch_cuda_memory peak_mib={torch.cuda.max_memory_allocated() / 2 ** 20:.0f}")


if __name__ == "__main__":
    main()
