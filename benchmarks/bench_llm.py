"""Benchmark: chapter 8's decoder-only pieces, side by side in one run.

1. ``attnbook.attention.tiled_attention`` (block_size 64) against chapter 3's
   ``scaled_dot_product_attention`` (and PyTorch's fused kernel, for reference) at sequence
   lengths 512 to 4,096, causal, one sequence of 4 heads of 64 features: forward time and peak
   extra memory (``attnbook.memory.peak_memory``, which works on the CPU).
2. The learner's ``attnbook.gpt.GPT`` against ``transformers``' ``GPT2LMHeadModel`` on the same
   weights (``GPT.from_gpt2``), GPT-2 small's configuration with random weights (no download),
   batch 4 x 128 tokens, eval mode, no gradients: forward time. Goal (issue 13): <= 1.3x.
3. Generation throughput of ``GPT`` with and without the KV cache (chapter 7's
   ``greedy_search`` through ``attnbook.lm.gpt_step``): tokens per second for 64 new tokens
   after a 64-token prompt, batch 1, on a small model.

Timings are medians of ``--repeats`` rounds, the compared versions timed in alternation.

Usage::

    OMP_NUM_THREADS=1 python benchmarks/bench_llm.py
    python benchmarks/bench_llm.py --threads 2 --repeats 5 --max-len 2048
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time

import torch
import torch.nn.functional as F

from attnbook.attention import scaled_dot_product_attention, tiled_attention
from attnbook.generation import greedy_search
from attnbook.gpt import GPT
from attnbook.lm import gpt_step
from attnbook.masks import sliding_window_mask
from attnbook.memory import peak_memory

os.environ.setdefault("HF_HUB_OFFLINE", "1")


def median_seconds(functions: dict, repeats: int, iters: int = 1) -> dict[str, float]:
    """Median seconds per call of each function, the functions timed in alternation."""
    for function in functions.values():                  # warm-up
        function()
    times = {name: [] for name in functions}
    for _ in range(repeats):
        for name, function in functions.items():
            start = time.perf_counter()
            for _ in range(iters):
                function()
            times[name].append((time.perf_counter() - start) / iters)
    return {name: statistics.median(values) for name, values in times.items()}


def bench_tiled(lengths: list[int], repeats: int) -> None:
    print("\n1. Tiled vs plain attention (causal, 4 heads x 64 features, forward)")
    print(f"{'T':>6s} {'plain ms':>9s} {'tiled ms':>9s} {'torch ms':>9s} "
          f"{'plain MiB':>10s} {'tiled MiB':>10s}")
    for T in lengths:
        q, k, v = torch.randn(3, 4, T, 64).unbind(0)     # (heads, T, d_k) each
        mask = sliding_window_mask(T)
        with torch.no_grad():
            times = median_seconds({
                "plain": lambda: scaled_dot_product_attention(q, k, v, mask),
                "tiled": lambda: tiled_attention(q, k, v, mask, block_size=64),
                "torch": lambda: F.scaled_dot_product_attention(q, k, v, is_causal=True),
            }, repeats)
        plain_peak = peak_memory(scaled_dot_product_attention, q, k, v, mask)[1] / 2**20
        tiled_peak = peak_memory(tiled_attention, q, k, v, mask, block_size=64)[1] / 2**20
        print(f"{T:6d} {times['plain'] * 1e3:9.1f} {times['tiled'] * 1e3:9.1f} "
              f"{times['torch'] * 1e3:9.1f} {plain_peak:10.1f} {tiled_peak:10.1f}")


def bench_gpt2(repeats: int, batch: int, seq_len: int) -> None:
    from transformers import GPT2Config, GPT2LMHeadModel

    torch.manual_seed(0)
    gpt2 = GPT2LMHeadModel(GPT2Config()).eval()          # GPT-2 small, random weights
    ours = GPT.from_gpt2(gpt2)
    input_ids = torch.randint(0, 50257, (batch, seq_len))
    with torch.no_grad():
        gap = (ours(input_ids) - gpt2(input_ids).logits).abs().max().item()
        times = median_seconds({"ours": lambda: ours(input_ids),
                                "transformers": lambda: gpt2(input_ids)}, repeats)
    ratio = times["ours"] / times["transformers"]
    print(f"\n2. GPT-2 small forward, batch {batch} x {seq_len} tokens (max logit gap {gap:.1e})")
    print(f"   ours {times['ours'] * 1e3:.0f} ms, GPT2LMHeadModel "
          f"{times['transformers'] * 1e3:.0f} ms: {ratio:.2f}x (goal <= 1.3x)")


def bench_generation(repeats: int, prompt_len: int = 64, new_tokens: int = 64) -> None:
    torch.manual_seed(0)
    model = GPT(vocab_size=65, d_model=128, num_layers=4, num_heads=4, d_ff=512,
                max_len=prompt_len + new_tokens).eval()
    prompt = torch.randint(0, 65, (1, prompt_len))

    def generate(use_cache: bool):
        step, state = gpt_step(model, prompt, use_cache=use_cache)
        return greedy_search(step, state, 1, int(prompt[0, -1]), 65, new_tokens)[0]

    with torch.no_grad():
        same = torch.equal(generate(True), generate(False))
        times = median_seconds({"cached": lambda: generate(True),
                                "recomputed": lambda: generate(False)}, repeats)
    print(f"\n3. Generation, {new_tokens} new tokens after {prompt_len} (4 layers, d_model 128);"
          f" same tokens: {same}")
    for name, seconds in times.items():
        print(f"   {name:10s} {new_tokens / seconds:8.0f} tokens/s")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--max-len", type=int, default=4096)
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--seq-len", type=int, default=128)
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread(s), "
          f"{platform.processor() or platform.machine()}")
    lengths = [T for T in (512, 1024, 2048, 4096) if T <= args.max_len]
    bench_tiled(lengths, args.repeats)
    bench_gpt2(args.repeats, args.batch, args.seq_len)
    bench_generation(args.repeats)


if __name__ == "__main__":
    main()
