"""attnbook.generation: greedy decoding, beam search and sampling behind one step function, for
chapter 2's RNN with attention and chapter 7's Transformer (with and without its key/value cache)."""

from __future__ import annotations

import itertools
import math

import pytest
import torch

from attnbook.data import Vocab
from attnbook.generation import beam_search, greedy_search, next_token_distribution, sample
from attnbook.seq2seq import DATES_CONFIG, make_attention_model, make_baseline
from attnbook.step_functions import reorder_state, seq2seq_step, transformer_step
from attnbook.transformer import Transformer

BOS, EOS = 1, 2


def small_transformer(seed=0, vocab=13, **kwargs):
    torch.manual_seed(seed)
    options = dict(d_model=32, num_heads=4, num_layers=2, d_ff=64, dropout=0.1, max_len=40)
    options.update(kwargs)
    return Transformer(11, vocab, **options).eval()


def source(seed=0, batch=4, src_len=7):
    generator = torch.Generator().manual_seed(seed)
    src = torch.randint(3, 11, (batch, src_len), generator=generator)
    lengths = torch.tensor([src_len, 4, 1, src_len - 1, 2, 3][:batch])
    return src, lengths


# --------------------------------------------------------------------------- the KV cache


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("max_len", [1, 6, 15])
def test_cached_greedy_decoding_equals_recomputation(seed, max_len):
    model = small_transformer(seed, norm_first=seed != 1)
    src, lengths = source(seed)
    with torch.no_grad():
        cached = greedy_search(*transformer_step(model, src, lengths), 4, BOS, EOS, max_len)
        recomputed = greedy_search(*transformer_step(model, src, lengths, use_cache=False),
                                   4, BOS, EOS, max_len)
    assert torch.equal(cached[0], recomputed[0])
    torch.testing.assert_close(cached[1], recomputed[1], atol=1e-5, rtol=0)  # every step


@pytest.mark.parametrize("seed", [0, 3])
def test_cached_sampling_and_beams_equal_recomputation(seed):
    model = small_transformer(seed)
    src, lengths = source(seed)
    with torch.no_grad():
        results = []
        for use_cache in (True, False):
            step, state = transformer_step(model, src, lengths, use_cache=use_cache)
            drawn = sample(step, state, 4, BOS, EOS, 10, temperature=1.5,
                           generator=torch.Generator().manual_seed(seed))
            step, state = transformer_step(model, src, lengths, use_cache=use_cache)
            results.append((drawn, beam_search(step, state, 4, BOS, EOS, 10, beam_size=3)))
    (drawn_a, beam_a), (drawn_b, beam_b) = results
    assert torch.equal(drawn_a[0], drawn_b[0]) and torch.equal(beam_a[0], beam_b[0])
    torch.testing.assert_close(beam_a[1], beam_b[1], atol=1e-5, rtol=0)


# --------------------------------------------------------------------------- greedy decoding


def test_greedy_search_on_chapter_2_models_matches_their_own_greedy_decode():
    src_vocab, tgt_vocab = Vocab([list("abcdef")]), Vocab([list("0123456789-")])
    src, lengths = torch.randint(4, len(src_vocab), (5, 6)), torch.tensor([6, 5, 3, 1, 2])
    for make in (make_baseline, make_attention_model):
        model = make(src_vocab, tgt_vocab, DATES_CONFIG, max_src_len=10).eval()
        expected, _ = model.greedy_decode(src, lengths, max_len=8)
        step, state = seq2seq_step(model, src, lengths)
        with torch.no_grad():
            tokens, logits = greedy_search(step, state, 5, tgt_vocab.bos_id, tgt_vocab.eos_id, 8)
        assert logits.shape == (5, tokens.shape[1], len(tgt_vocab))
        for row, expected_row in zip(tokens, expected):          # same up to each <eos>
            assert tgt_vocab.decode(row) == tgt_vocab.decode(expected_row)


def test_greedy_search_stops_and_fills_with_eos():
    # a step function that writes 5, 6, <eos> for row 0 and never stops for row 1
    def step(tokens, t):
        logits = torch.zeros(2, 8)
        logits[0, [5, 6, EOS][min(t, 2)]] = 1.0
        logits[1, 7] = 1.0
        return logits, t + 1

    tokens, logits = greedy_search(step, 0, 2, BOS, EOS, max_len=5)
    assert tokens.tolist() == [[5, 6, EOS, EOS, EOS], [7, 7, 7, 7, 7]]
    assert logits.shape == (2, 5, 8)
    tokens, _ = greedy_search(lambda tokens, t: (torch.eye(8)[[EOS]].repeat(2, 1), t), 0, 2,
                              BOS, EOS, max_len=5)
    assert tokens.tolist() == [[EOS], [EOS]]                      # stops when all are done


def test_generation_bad_arguments():
    def step(tokens, state):
        return torch.zeros(len(tokens), 5), state

    with pytest.raises(ValueError, match="max_len must be a positive integer"):
        greedy_search(step, None, 2, BOS, EOS, 0)
    with pytest.raises(ValueError, match="batch_size must be a positive integer"):
        greedy_search(step, None, 0, BOS, EOS, 3)
    with pytest.raises(ValueError, match="eos_id must be a non-negative integer"):
        greedy_search(step, None, 2, BOS, -1, 3)
    with pytest.raises(ValueError, match=r"logits of shape \(batch=3, vocab_size\)"):
        greedy_search(lambda tokens, state: (torch.zeros(2, 5), state), None, 3, BOS, EOS, 3)
    with pytest.raises(ValueError, match="beam_size must be a positive integer"):
        beam_search(step, None, 2, BOS, EOS, 3, beam_size=0)
    with pytest.raises(ValueError, match="length_penalty must be a finite number >= 0"):
        beam_search(step, None, 2, BOS, EOS, 3, length_penalty=-1.0)


# --------------------------------------------------------------------------- beam search


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_beam_size_1_is_exactly_greedy(seed):
    model = small_transformer(seed)
    src, lengths = source(seed)
    with torch.no_grad():
        greedy, logits = greedy_search(*transformer_step(model, src, lengths), 4, BOS, EOS, 12)
        beam, scores = beam_search(*transformer_step(model, src, lengths), 4, BOS, EOS, 12,
                                   beam_size=1)
    assert torch.equal(beam, greedy)
    # its score is greedy's total log-probability over its length (including <eos>)
    log_probs = torch.log_softmax(logits, -1).gather(2, greedy[..., None])[..., 0]
    lengths_out = [row.tolist().index(EOS) + 1 if EOS in row else len(row) for row in greedy]
    expected = [log_probs[i, :n].sum() / n for i, n in enumerate(lengths_out)]
    torch.testing.assert_close(scores, torch.stack(expected), atol=1e-5, rtol=0)


def test_beam_size_1_is_greedy_for_the_rnn_with_attention():
    src_vocab, tgt_vocab = Vocab([list("abcdef")]), Vocab([list("0123456789-")])
    model = make_attention_model(src_vocab, tgt_vocab, DATES_CONFIG, max_src_len=10).eval()
    src, lengths = torch.randint(4, len(src_vocab), (3, 6)), torch.tensor([6, 2, 4])
    with torch.no_grad():
        greedy, _ = greedy_search(*seq2seq_step(model, src, lengths), 3, tgt_vocab.bos_id,
                                  tgt_vocab.eos_id, 9)
        beam, _ = beam_search(*seq2seq_step(model, src, lengths), 3, tgt_vocab.bos_id,
                              tgt_vocab.eos_id, 9, beam_size=1)
        wide, _ = beam_search(*seq2seq_step(model, src, lengths), 3, tgt_vocab.bos_id,
                              tgt_vocab.eos_id, 9, beam_size=5)
    assert torch.equal(beam, greedy)
    assert wide.shape[0] == 3


def brute_force_best(model, src, lengths, max_len, vocab, length_penalty):
    """Score every sequence of at most max_len tokens (ending at <eos>, or max_len long)."""
    others = [t for t in range(vocab) if t != EOS]
    with torch.no_grad():
        memory, memory_mask = model.encode(src, lengths)
        best = [(-math.inf, None)] * src.shape[0]
        for n in range(1, max_len + 1):
            lasts = range(vocab) if n == max_len else [EOS]
            seqs = torch.tensor([list(body) + [last] for body in
                                 itertools.product(others, repeat=n - 1) for last in lasts])
            tgt_in = torch.cat([torch.full((len(seqs), 1), BOS), seqs[:, :-1]], 1)
            for b in range(src.shape[0]):
                logits = model.decode(tgt_in, memory[b:b + 1].expand(len(seqs), -1, -1),
                                      memory_mask[b:b + 1].expand(len(seqs), -1, -1))
                log_p = torch.log_softmax(logits, -1).gather(2, seqs[..., None]).sum((1, 2))
                score, index = (log_p / n ** length_penalty).max(0)
                if score.item() > best[b][0]:
                    best[b] = (score.item(), seqs[index].tolist())
    return best


@pytest.mark.parametrize("length_penalty", [0.0, 1.0])
@pytest.mark.parametrize("seed", [0, 1])
def test_a_beam_as_wide_as_the_search_space_finds_the_brute_force_best(seed, length_penalty):
    vocab, max_len = 4, 4                                   # 1 + 3 + 9 + 4 * 27 = 121 sequences
    model = small_transformer(seed, vocab=vocab, d_model=16, num_heads=2, d_ff=32)
    with torch.no_grad():                                         # make <eos> a real contender
        model.output.bias[EOS] += 1.0
    src, lengths = source(seed, batch=3, src_len=5)
    with torch.no_grad():
        tokens, scores = beam_search(*transformer_step(model, src, lengths), 3, BOS, EOS,
                                     max_len, beam_size=4 ** max_len,
                                     length_penalty=length_penalty)
    for b, (best_score, best_seq) in enumerate(brute_force_best(model, src, lengths, max_len,
                                                                vocab, length_penalty)):
        assert tokens[b, :len(best_seq)].tolist() == best_seq
        assert abs(scores[b].item() - best_score) < 1e-5


def test_length_normalisation_changes_the_winner():
    # <eos> at once (log 0.5) against a token then <eos> (log 0.5 + log 0.8 = log 0.4)
    def step(tokens, t):
        probs = torch.tensor([[0.0, 0.0, 0.5, 0.5]]) if t == 0 else torch.tensor(
            [[0.0, 0.0, 0.8, 0.2]])
        return torch.log(probs.clamp_min(1e-12)).repeat(len(tokens), 1), t + 1

    raw, _ = beam_search(step, 0, 1, BOS, EOS, 3, beam_size=2, length_penalty=0.0)
    normalised, _ = beam_search(step, 0, 1, BOS, EOS, 3, beam_size=2, length_penalty=1.0)
    assert raw[0, :1].tolist() == [EOS]                           # log 0.5 > log 0.4
    assert normalised[0, :2].tolist() == [3, EOS]                 # log(0.4) / 2 > log 0.5


def test_reorder_state_picks_rows_of_nested_tensors():
    state = (torch.arange(3), [{"key": torch.arange(6).view(3, 2)}], 7, None)
    picked = reorder_state(state, torch.tensor([2, 2, 0]))
    assert picked[0].tolist() == [2, 2, 0]
    assert picked[1][0]["key"].tolist() == [[4, 5], [4, 5], [0, 1]]
    assert picked[2] == 7 and picked[3] is None


# --------------------------------------------------------------------------- sampling


def test_next_token_distribution_temperature_top_k_top_p():
    logits = torch.tensor([[2.0, 1.0, 0.0, -1.0]])
    plain = next_token_distribution(logits)
    torch.testing.assert_close(plain, torch.softmax(logits, -1))
    torch.testing.assert_close(next_token_distribution(logits, temperature=2.0),
                               torch.softmax(logits / 2, -1))
    cold = next_token_distribution(logits, temperature=0.01)
    assert cold[0, 0] > 0.999                                     # towards greedy
    hot = next_token_distribution(logits, temperature=100.0)
    assert (hot - 0.25).abs().max() < 0.01                        # towards uniform
    top2 = next_token_distribution(logits, top_k=2)
    assert torch.all(top2[0, 2:] == 0)
    torch.testing.assert_close(top2[0, :2], torch.softmax(logits[0, :2], -1))
    # probabilities 0.64, 0.24, 0.09, 0.03: the nucleus of 0.8 is the first two tokens
    nucleus = next_token_distribution(logits, top_p=0.8)
    assert (nucleus[0] > 0).tolist() == [True, True, False, False]
    assert next_token_distribution(logits, top_p=0.5)[0].tolist() == [1.0, 0.0, 0.0, 0.0]
    torch.testing.assert_close(nucleus.sum(-1), torch.ones(1))


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(temperature=0.0), ValueError, "temperature must be a finite number > 0"),
    (dict(temperature=float("inf")), ValueError, "temperature must be a finite number > 0"),
    (dict(top_k=0), ValueError, "top_k must be a positive integer"),
    (dict(top_p=0.0), ValueError, r"top_p must be in \(0, 1\]"),
    (dict(top_p=1.5), ValueError, r"top_p must be in \(0, 1\]"),
])
def test_next_token_distribution_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        next_token_distribution(torch.zeros(1, 4), **kwargs)


def test_next_token_distribution_bad_logits():
    with pytest.raises(TypeError, match="logits must be a floating-point tensor"):
        next_token_distribution(torch.zeros(1, 4, dtype=torch.long))


def test_sampling_is_reproducible_with_a_seeded_generator_and_follows_the_distribution():
    model = small_transformer(0)
    src, lengths = source(0)
    draws = []
    with torch.no_grad():
        for seed in (5, 5, 6):
            draws.append(sample(*transformer_step(model, src, lengths), 4, BOS, EOS, 8,
                                generator=torch.Generator().manual_seed(seed))[0])
    assert torch.equal(draws[0], draws[1]) and not torch.equal(draws[0], draws[2])
    # one step, many rows: the frequencies follow softmax(logits / temperature)
    logits = torch.tensor([1.0, 0.0, -1.0, 3.0, 0.5])
    def step(tokens, state):
        return logits.repeat(len(tokens), 1), state

    for temperature in (0.5, 2.0):
        first, _ = sample(step, None, 20000, BOS, 3, 1, temperature=temperature,
                          generator=torch.Generator().manual_seed(0))
        frequencies = torch.bincount(first[:, 0], minlength=5) / 20000
        expected = torch.softmax(logits / temperature, -1)
        assert (frequencies - expected).abs().max() < 0.015
    top1, _ = sample(step, None, 50, BOS, 2, 1, top_k=1, generator=torch.Generator())
    assert torch.all(top1 == 3)                                   # top_k=1 is greedy


def test_reorder_state_reorders_a_kv_cache_into_a_new_one():
    from attnbook.transformer import KVCache

    cache = KVCache(2)
    cache.update(1, torch.arange(3.0).view(3, 1, 1, 1), torch.arange(3.0).view(3, 1, 1, 1))
    state = (torch.arange(3), cache, 4)
    picked = reorder_state(state, torch.tensor([1, 1, 2, 0]))
    assert isinstance(picked[1], KVCache) and picked[1] is not cache
    assert picked[1].keys[1].flatten().tolist() == [1.0, 1.0, 2.0, 0.0]
    assert picked[1].values[1].flatten().tolist() == [1.0, 1.0, 2.0, 0.0]
    assert picked[1].keys[0] is None and picked[2] == 4
    assert cache.keys[1].flatten().tolist() == [0.0, 1.0, 2.0]     # the state is unchanged
