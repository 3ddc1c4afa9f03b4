"""Benchmark: attnbook's from-scratch attention and encoder layer against PyTorch's own modules.

Reports, side by side in one run, the forward + backward time of

1. ``attnbook.attention.MultiHeadAttention`` vs ``torch.nn.MultiheadAttention`` (self-attention,
   batch 32, seq_len 128, d_model 256, 8 heads). PyTorch is timed twice: returning per-head weights
   (``need_weights=True, average_attn_weights=False``), which is what our module always returns, and
   without weights (``need_weights=False``, its fused kernel), for reference. Goal (issue 3):
   ours <= 1.25x PyTorch's like-for-like time.
2. ``attnbook.transformer.TransformerEncoderLayer`` vs ``torch.nn.TransformerEncoderLayer`` (same
   sizes, d_ff 1024, dropout 0.1, training mode). Goal: <= 1.3x.

Both modules of a pair share their weights (``from_torch``). The two are timed in alternation,
``--repeats`` rounds of ``--iters`` iterations each, and the median per-iteration time is reported.

Usage::

    OMP_NUM_THREADS=1 python benchmarks/bench_attention.py            # the course's 1-thread setting
    python benchmarks/bench_attention.py --threads 2 --repeats 7
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time

import torch
from torch import nn

from attnbook.attention import MultiHeadAttention
from attnbook.transformer import TransformerEncoderLayer


def time_fwd_bwd(step, iters: int) -> float:
    """Seconds per iteration of ``step()`` (forward + backward), averaged over ``iters`` runs."""
    start = time.perf_counter()
    for _ in range(iters):
        step()
    return (time.perf_counter() - start) / iters


def compare(steps: dict, iters: int, repeats: int) -> dict[str, float]:
    """Median seconds per iteration for each named step, timed in alternation."""
    for step in steps.values():  # warm-up
        step()
        step()
    times = {name: [] for name in steps}
    for _ in range(repeats):
        for name, step in steps.items():
            times[name].append(time_fwd_bwd(step, iters))
    return {name: statistics.median(values) for name, values in times.items()}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--seq-len", type=int, default=128)
    parser.add_argument("--d-model", type=int, default=256)
    parser.add_argument("--heads", type=int, default=8)
    parser.add_argument("--d-ff", type=int, default=1024)
    parser.add_argument("--iters", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=None, help="torch.set_num_threads (default: torch's)")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread(s), {platform.processor() or platform.machine()}")
    print(f"batch {args.batch}, seq_len {args.seq_len}, d_model {args.d_model}, {args.heads} heads; "
          f"forward + backward, median of {args.repeats} x {args.iters} iterations\n")

    x = torch.randn(args.batch, args.seq_len, args.d_model, requires_grad=True)

    reference = nn.MultiheadAttention(args.d_model, args.heads, batch_first=True)
    ours = MultiHeadAttention.from_torch(reference)

    def ours_step():
        out, weights = ours(x, x, x)
        out.sum().backward()

    def torch_weights_step():
        out, weights = reference(x, x, x, need_weights=True, average_attn_weights=False)
        out.sum().backward()

    def torch_fused_step():
        out, _ = reference(x, x, x, need_weights=False)
        out.sum().backward()

    mha = compare({"ours": ours_step, "torch (per-head weights)": torch_weights_step,
                   "torch (no weights, fused)": torch_fused_step}, args.iters, args.repeats)

    ref_layer = nn.TransformerEncoderLayer(args.d_model, args.heads, args.d_ff, dropout=0.1, batch_first=True).train()
    our_layer = TransformerEncoderLayer.from_torch(ref_layer)

    def our_layer_step():
        out, _ = our_layer(x)
        out.sum().backward()

    def torch_layer_step():
        ref_layer(x).sum().backward()

    layer = compare({"ours": our_layer_step, "torch": torch_layer_step}, args.iters, args.repeats)

    def row(name, seconds, base):
        return f"  {name:28s} {1e3 * seconds:9.1f} ms   {seconds / base:5.2f}x"

    print("MultiHeadAttention, forward + backward")
    base = mha["torch (per-head weights)"]
    for name, seconds in mha.items():
        print(row(name, seconds, base))
    print("\nTransformerEncoderLayer (post-LN, ReLU, dropout 0.1, training mode), forward + backward")
    for name, seconds in layer.items():
        print(row(name, seconds, layer["torch"]))

    mha_ratio = mha["ours"] / mha["torch (per-head weights)"]
    mha_fused_ratio = mha["ours"] / mha["torch (no weights, fused)"]
    layer_ratio = layer["ours"] / layer["torch"]
    print("\nSummary (goal: MHA <= 1.25x, encoder layer <= 1.3x of torch's time)")
    print(f"  MHA vs nn.MultiheadAttention (per-head weights): {mha_ratio:.2f}x "
          f"{'OK' if mha_ratio <= 1.25 else 'OVER GOAL'}")
    print(f"  MHA vs nn.MultiheadAttention (fused, no weights): {mha_fused_ratio:.2f}x (for reference)")
    print(f"  encoder layer vs nn.TransformerEncoderLayer:      {layer_ratio:.2f}x "
          f"{'OK' if layer_ratio <= 1.3 else 'OVER GOAL'}")
    decoder_benchmarks(args)


def decoder_benchmarks(args) -> None:
    """Chapter 7: the decoder layer against ``nn.TransformerDecoderLayer`` (forward + backward,
    causal mask, training mode; goal <= 1.3x) and generation of 128 tokens with and without the
    KV cache (``attnbook.step_functions.transformer_step``)."""
    from attnbook.step_functions import transformer_step
    from attnbook.masks import causal_mask, to_torch
    from attnbook.transformer import Transformer, TransformerDecoderLayer

    torch.manual_seed(0)
    tgt = torch.randn(args.batch, args.seq_len, args.d_model, requires_grad=True)
    memory = torch.randn(args.batch, args.seq_len, args.d_model, requires_grad=True)
    mask = causal_mask(args.seq_len)
    reference = nn.TransformerDecoderLayer(args.d_model, args.heads, args.d_ff, dropout=0.1,
                                           batch_first=True).train()
    ours = TransformerDecoderLayer.from_torch(reference)

    def our_step():
        ours(tgt, memory, tgt_mask=mask)[0].sum().backward()

    def torch_step():
        reference(tgt, memory, tgt_mask=to_torch(mask)).sum().backward()

    layer = compare({"ours": our_step, "torch": torch_step}, args.iters, args.repeats)
    print("\nTransformerDecoderLayer (post-LN, ReLU, dropout 0.1, causal mask, training mode), "
          "forward + backward")
    for name, seconds in layer.items():
        print(f"  {name:28s} {1e3 * seconds:9.1f} ms   {seconds / layer['torch']:5.2f}x")

    model = Transformer(1000, 1000, d_model=args.d_model, num_heads=args.heads, num_layers=2,
                        d_ff=args.d_ff, max_len=512).eval()
    src, src_lengths = torch.randint(4, 1000, (8, 32)), torch.full((8,), 32)

    def generate(use_cache, n=128):
        step, state = transformer_step(model, src, src_lengths, use_cache=use_cache)
        tokens = torch.full((8,), 1)
        start = time.perf_counter()
        with torch.no_grad():
            for _ in range(n):
                logits, state = step(tokens, state)
                tokens = logits.argmax(-1)
        return time.perf_counter() - start

    cached = statistics.median(generate(True) for _ in range(3))
    uncached = statistics.median(generate(False) for _ in range(3))
    layer_ratio = layer["ours"] / layer["torch"]
    print(f"\nGreedy generation of 128 tokens (batch 8, 2 + 2 layers, d_model {args.d_model}): "
          f"with the KV cache {cached:.2f} s, recomputing the prefix {uncached:.2f} s")
    print("\nSummary (chapter 7; goal: decoder layer <= 1.3x of torch's time)")
    print(f"  decoder layer vs nn.TransformerDecoderLayer:      {layer_ratio:.2f}x "
          f"{'OK' if layer_ratio <= 1.3 else 'OVER GOAL'}")
    print(f"  generation, uncached / cached (128 tokens):       {uncached / cached:.1f}x")


if __name__ == "__main__":
    main()
