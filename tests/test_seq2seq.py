"""Tests for attnbook.seq2seq: encoder, baseline decoder, Seq2Seq, training, decoding and metrics."""

from __future__ import annotations

import dataclasses
import math

import pytest
import sacrebleu
import torch
from torch import nn

from attnbook.data import Vocab, batches, make_batch
from attnbook.seq2seq import (
    DATES_CONFIG,
    TATOEBA_CONFIG,
    Decoder,
    Encoder,
    Seq2Seq,
    Seq2SeqConfig,
    corpus_bleu,
    exact_match,
    make_baseline,
    scores_by_length,
    train_seq2seq,
    translate,
)

VOCAB, EMBED, HIDDEN = 15, 8, 16


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(0)


def small_model(max_src_len: int = 10) -> Seq2Seq:
    encoder = Encoder(VOCAB, EMBED, HIDDEN, pad_id=0)
    decoder = Decoder(VOCAB, EMBED, HIDDEN)
    return Seq2Seq(encoder, decoder, bos_id=1, eos_id=2, pad_id=0, max_src_len=max_src_len)


def padded_batch():
    src = torch.tensor([[4, 5, 6, 7, 8], [9, 10, 0, 0, 0], [11, 12, 13, 0, 0], [14, 0, 0, 0, 0]])
    lengths = torch.tensor([5, 2, 3, 1])
    return src, lengths


# --- configs -------------------------------------------------------------------------------------

def test_configs_are_seq2seq_configs_with_the_documented_defaults():
    assert Seq2SeqConfig() == Seq2SeqConfig(embed_dim=32, hidden_size=128, num_epochs=3, batch_size=64,
                                            lr=3e-3, clip=1.0, seed=0)
    assert isinstance(DATES_CONFIG, Seq2SeqConfig) and isinstance(TATOEBA_CONFIG, Seq2SeqConfig)


# --- encoder -------------------------------------------------------------------------------------

def test_encoder_final_state_is_the_state_at_each_true_last_token():
    encoder = Encoder(VOCAB, EMBED, HIDDEN)
    src, lengths = padded_batch()
    outputs, (h_n, c_n) = encoder(src, lengths)
    assert outputs.shape == (4, 5, HIDDEN) and h_n.shape == c_n.shape == (1, 4, HIDDEN)
    for i, length in enumerate(lengths.tolist()):
        alone_outputs, (alone_h, alone_c) = encoder(src[i:i + 1, :length], lengths[i:i + 1])
        assert torch.allclose(h_n[:, i], alone_h[:, 0], atol=1e-6)
        assert torch.allclose(c_n[:, i], alone_c[:, 0], atol=1e-6)
        assert torch.allclose(outputs[i, :length], alone_outputs[0], atol=1e-6)
        # And the state at the last real token is the output there, not at the padded end.
        assert torch.allclose(h_n[0, i], outputs[i, length - 1], atol=1e-6)


def test_encoder_outputs_are_zero_at_padding():
    encoder = Encoder(VOCAB, EMBED, HIDDEN)
    src, lengths = padded_batch()
    outputs, _ = encoder(src, lengths)
    for i, length in enumerate(lengths.tolist()):
        assert (outputs[i, length:] == 0).all()
        assert (outputs[i, :length].abs().sum(dim=-1) > 0).all()


def test_encoder_matches_a_plain_nn_lstm_on_unpadded_input():
    encoder = Encoder(VOCAB, EMBED, HIDDEN)
    src = torch.randint(3, VOCAB, (2, 6))
    outputs, (h_n, c_n) = encoder(src, torch.tensor([6, 6]))
    expected_outputs, (expected_h, _) = encoder.lstm(encoder.embedding(src))
    assert torch.allclose(outputs, expected_outputs, atol=1e-6)
    assert torch.allclose(h_n, expected_h, atol=1e-6)


# --- decoder and Seq2Seq -------------------------------------------------------------------------

def test_seq2seq_forward_shapes_and_decoder_interface():
    model = small_model()
    src, lengths = padded_batch()
    tgt_in = torch.randint(1, VOCAB, (4, 6))
    assert model(src, lengths, tgt_in).shape == (4, 6, VOCAB)
    enc_outputs, enc_state, src_mask = model.encode(src, lengths)
    assert src_mask.dtype == torch.bool and src_mask.tolist()[1] == [True, True, False, False, False]
    state = model.decoder.init_state(enc_outputs, enc_state, src_mask)
    logits, new_state, weights = model.decoder(tgt_in, state, enc_outputs, src_mask)
    assert logits.shape == (4, 6, VOCAB) and weights is None
    assert new_state[0].shape == new_state[1].shape == (1, 4, HIDDEN) and new_state[2].shape == (4, HIDDEN)


def test_decoder_step_by_step_equals_teacher_forced_sequence():
    model = small_model()
    src, lengths = padded_batch()
    tgt_in = torch.randint(1, VOCAB, (4, 6))
    full_logits = model(src, lengths, tgt_in)
    enc_outputs, enc_state, src_mask = model.encode(src, lengths)
    state = model.decoder.init_state(enc_outputs, enc_state, src_mask)
    step_logits = []
    for t in range(tgt_in.shape[1]):
        logits, state, _ = model.decoder(tgt_in[:, t:t + 1], state, enc_outputs, src_mask)
        step_logits.append(logits)
    assert torch.allclose(torch.cat(step_logits, dim=1), full_logits, atol=1e-5)


def test_the_decoder_sees_the_source_only_through_the_context_vector():
    model = small_model()
    src, lengths = padded_batch()
    enc_outputs, enc_state, src_mask = model.encode(src, lengths)
    state = model.decoder.init_state(enc_outputs, enc_state, src_mask)
    assert torch.equal(state[2], enc_state[0][-1])
    tgt_in = torch.randint(1, VOCAB, (4, 3))
    logits, _, _ = model.decoder(tgt_in, state, torch.randn_like(enc_outputs), src_mask)
    expected, _, _ = model.decoder(tgt_in, state, enc_outputs, src_mask)
    assert torch.equal(logits, expected)


def test_gradients_reach_encoder_and_decoder():
    model = small_model()
    src, lengths = padded_batch()
    model(src, lengths, torch.randint(1, VOCAB, (4, 3))).sum().backward()
    for name, p in model.named_parameters():
        assert p.grad is not None, name
    assert model.encoder.lstm.weight_hh_l0.grad.abs().sum() > 0


class ScriptedDecoder(nn.Module):
    """A decoder that ignores its input and emits a fixed token sequence per sentence."""

    def __init__(self, scripts: list[list[int]], vocab_size: int = VOCAB):
        super().__init__()
        self.scripts = scripts
        self.vocab_size = vocab_size

    def init_state(self, enc_outputs, enc_state, src_mask):
        return 0  # the step counter

    def forward(self, tgt_in, step, enc_outputs, src_mask):
        batch, tgt_len = tgt_in.shape
        logits = torch.zeros(batch, tgt_len, self.vocab_size)
        for b, script in enumerate(self.scripts):
            for t in range(tgt_len):
                logits[b, t, script[min(step + t, len(script) - 1)]] = 1.0
        return logits, step + tgt_len, None


def scripted_model(scripts, max_src_len=10):
    return Seq2Seq(Encoder(VOCAB, EMBED, HIDDEN), ScriptedDecoder(scripts), bos_id=1, eos_id=2, pad_id=0,
                   max_src_len=max_src_len)


def test_greedy_decode_stops_when_every_sentence_has_ended_and_pads_after_eos():
    model = scripted_model([[5, 2, 7, 7, 7], [5, 6, 7, 2, 9], [2, 9, 9, 9, 9], [8, 8, 2, 9, 9]])
    src, lengths = padded_batch()
    tokens, weights = model.greedy_decode(src, lengths, max_len=10)
    assert weights is None and tokens.dtype == torch.int64
    assert tokens.tolist() == [[5, 2, 0, 0], [5, 6, 7, 2], [2, 0, 0, 0], [8, 8, 2, 0]]


def test_greedy_decode_never_exceeds_max_len():
    model = scripted_model([[5] * 20] * 4)  # never emits <eos>
    src, lengths = padded_batch()
    tokens, _ = model.greedy_decode(src, lengths, max_len=7)
    assert tokens.shape == (4, 7) and (tokens == 5).all()
    with pytest.raises(ValueError, match="max_len >= 1"):
        model.greedy_decode(src, lengths, max_len=0)


def test_translate_decodes_tokens_and_stops_at_eos():
    src_vocab = Vocab([["a", "b", "c"]])
    tgt_vocab = Vocab([["x", "y", "z"]])
    x, y, z = (tgt_vocab[t] for t in "xyz")
    model = scripted_model([[x, y, tgt_vocab.eos_id, z], [z, tgt_vocab.eos_id, x, x]])
    translations, weights = translate(model, [["a", "b"], ["c"]], src_vocab, tgt_vocab, max_len=6, batch_size=2)
    assert translations == [["x", "y"], ["z"]] and weights == [None, None]


def test_date_exact_match_scores_the_test_dates_as_translate_and_exact_match_do():
    from attnbook.data import date_source_tokens, date_target_tokens, date_task
    from attnbook.evaluation import date_exact_match
    from attnbook.seq2seq import make_baseline
    from attnbook.training import DATES_CONFIG

    dates = date_task(n_train=40, n_valid=5, n_test=30, seed=1)
    torch.manual_seed(0)
    test = dates.splits["test"]
    longest = max(dates.max_src_len, *(len(date_source_tokens(e)) for e in test))
    model = make_baseline(dates.src_vocab, dates.tgt_vocab, DATES_CONFIG, longest)
    expected, _ = translate(model, [date_source_tokens(e) for e in test], dates.src_vocab,
                            dates.tgt_vocab, max_len=12)
    score, outputs = date_exact_match(model, dates)
    assert outputs == expected and len(outputs) == 30
    references = [date_target_tokens(e) for e in test]
    assert score == sum(o == r for o, r in zip(expected, references)) / 30


# --- bad input -----------------------------------------------------------------------------------

def test_forward_rejects_an_empty_batch():
    with pytest.raises(ValueError, match="empty batch"):
        small_model()(torch.zeros(0, 4, dtype=torch.long), torch.zeros(0, dtype=torch.long),
                      torch.zeros(0, 3, dtype=torch.long))


def test_forward_rejects_wrong_rank():
    model = small_model()
    with pytest.raises(ValueError, match=r"src must have shape \(batch, src_len\), got \(5,\)"):
        model(torch.tensor([4, 5, 6, 7, 8]), torch.tensor([5]), torch.tensor([[1, 4]]))
    src, lengths = padded_batch()
    with pytest.raises(ValueError, match=r"tgt_in must have shape \(batch, tgt_len\)"):
        model(src, lengths, torch.ones(4, dtype=torch.long))


def test_forward_rejects_non_integer_dtype():
    # A wrong dtype is a TypeError, as everywhere in the package (and as in chapter 7's
    # Transformer, which shares this check).
    model = small_model()
    src, lengths = padded_batch()
    with pytest.raises(TypeError, match=r"src must be an integer tensor \(batch, src_len\) "
                                        r"of token ids, got torch.float32"):
        model(src.float(), lengths, torch.ones(4, 2, dtype=torch.long))
    with pytest.raises(TypeError, match=r"tgt_in must be an integer tensor \(batch, tgt_len\) "
                                        r"of token ids, got torch.float32"):
        model(src, lengths, torch.ones(4, 2))


def test_forward_rejects_a_source_longer_than_max_src_len():
    model = small_model(max_src_len=4)
    src, lengths = padded_batch()  # the longest source has 5 tokens
    with pytest.raises(ValueError, match="length 5 .*max_src_len=4"):
        model(src, lengths, torch.ones(4, 2, dtype=torch.long))
    with pytest.raises(ValueError, match="length 5 .*max_src_len=4"):
        model.greedy_decode(src, lengths, max_len=3)


def test_forward_rejects_inconsistent_lengths():
    model = small_model()
    src, _ = padded_batch()
    with pytest.raises(ValueError, match="src_lengths"):
        model(src, torch.tensor([5, 2, 3]), torch.ones(4, 2, dtype=torch.long))
    with pytest.raises(ValueError, match="1..src_len=5"):
        model(src, torch.tensor([5, 0, 3, 1]), torch.ones(4, 2, dtype=torch.long))


# --- metrics -------------------------------------------------------------------------------------

def test_exact_match_counts_whole_sequences():
    hyps = [list("2022-05-02"), list("2022-05-03"), list("1999-12-31"), list("1999-12-3")]
    refs = [list("2022-05-02"), list("2022-05-02"), list("1999-12-31"), list("1999-12-31")]
    assert exact_match(hyps, refs) == 0.5
    with pytest.raises(ValueError, match="as many references"):
        exact_match(hyps, refs[:3])
    with pytest.raises(ValueError, match="at least one"):
        exact_match([], [])


def test_corpus_bleu_equals_sacrebleu_with_a_variable_number_of_references():
    hyps = ["je t ' aime .", "il fait beau .", "merci beaucoup !"]
    refs = [["je t ' aime .", "je vous aime ."], ["il fait beau aujourd ' hui ."], ["merci !", "merci bien .", "grand merci ."]]
    streams = [
        ["je t ' aime .", "il fait beau aujourd ' hui .", "merci !"],
        ["je vous aime .", None, "merci bien ."],
        [None, None, "grand merci ."],
    ]
    expected = sacrebleu.corpus_bleu(hyps, streams, tokenize="none", force=True).score
    assert corpus_bleu(hyps, refs) == pytest.approx(expected)
    assert 0 < corpus_bleu(hyps, refs) < 100
    assert corpus_bleu(["a b c d e"], [["a b c d e"]]) == pytest.approx(100.0)
    assert corpus_bleu(["v w x y z"], [["a b c d e"]]) == pytest.approx(0.0)


def test_corpus_bleu_rejects_bad_references():
    with pytest.raises(ValueError, match="non-empty list"):
        corpus_bleu(["a b"], [[]])
    with pytest.raises(ValueError, match="non-empty list"):
        corpus_bleu(["a b"], ["a b"])
    with pytest.raises(ValueError, match="as many reference lists"):
        corpus_bleu(["a b", "c"], [["a b"]])


def test_scores_by_length_groups_examples_into_buckets():
    lengths = [3, 7, 8, 12, 30]
    hyps = [["a"], ["b"], ["c"], ["d"], ["e"]]
    refs = [["a"], ["x"], ["c"], ["d"], ["y"]]
    result = scores_by_length(lengths, hyps, refs, exact_match, [(1, 5), (6, 10), (11, 11), (12, None)])
    assert result[:2] == [("1-5", 1, 1.0), ("6-10", 2, 0.5)]
    assert result[2][:2] == ("11", 0) and math.isnan(result[2][2])
    assert result[3] == ("12+", 2, 0.5)


def test_scores_by_length_with_bleu_scores_each_bucket_on_its_own():
    hyps = ["a b c d", "w x y z", "a b c d e"]
    refs = [["a b c d"], ["a b c d"], ["a b c d e"]]
    result = scores_by_length([2, 2, 9], hyps, refs, corpus_bleu, [(1, 5), (6, None)])
    assert result[0][:2] == ("1-5", 2)
    assert result[0][2] == pytest.approx(sacrebleu.corpus_bleu(hyps[:2], [["a b c d", "a b c d"]], tokenize="none",
                                                               force=True).score)
    assert result[1][1:] == (1, pytest.approx(100.0))


def test_scores_by_length_rejects_bad_buckets_and_lengths():
    with pytest.raises(ValueError, match="none of the buckets"):
        scores_by_length([4, 40], [["a"], ["b"]], [["a"], ["b"]], exact_match, [(1, 10)])
    with pytest.raises(ValueError, match="overlap"):
        scores_by_length([4], [["a"]], [["a"]], exact_match, [(1, 5), (5, 9)])
    with pytest.raises(ValueError, match="equal length"):
        scores_by_length([4], [["a"], ["b"]], [["a"]], exact_match, [(1, 5)])


# --- training ------------------------------------------------------------------------------------

def test_a_tiny_model_overfits_a_few_fixed_examples():
    pairs = [(list("abc"), list("xyz")), (list("ba"), list("zy")), (list("cab"), list("yyx")), (list("a"), list("z"))]
    src_vocab = Vocab(s for s, _ in pairs)
    tgt_vocab = Vocab(t for _, t in pairs)
    config = Seq2SeqConfig(embed_dim=16, hidden_size=32, num_epochs=60, batch_size=4, lr=1e-2, seed=0)
    model = make_baseline(src_vocab, tgt_vocab, config, max_src_len=3)
    losses = train_seq2seq(model, list(batches(pairs, src_vocab, tgt_vocab, 2)), config, log_every_epoch=False)
    assert len(losses) == 60 and losses[-1] < 0.05 < losses[0]
    translations, _ = translate(model, [s for s, _ in pairs], src_vocab, tgt_vocab, max_len=5)
    assert translations == [t for _, t in pairs]


def test_training_is_reproducible_and_logs_one_line_per_epoch(capsys):
    pairs = [(list("abc"), list("xyz")), (list("ba"), list("zy"))]
    src_vocab, tgt_vocab = Vocab(s for s, _ in pairs), Vocab(t for _, t in pairs)
    config = dataclasses.replace(DATES_CONFIG, embed_dim=4, hidden_size=8, num_epochs=3)
    runs = []
    for _ in range(2):
        model = make_baseline(src_vocab, tgt_vocab, config, max_src_len=3)
        runs.append(train_seq2seq(model, [make_batch(pairs, src_vocab, tgt_vocab)], config))
    assert runs[0] == runs[1]
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 6 and lines[0].startswith("epoch 1/3: loss ")
    with pytest.raises(ValueError, match="at least one batch"):
        train_seq2seq(model, [], config)


# The data of chapters 1 and 2 (date_task, tatoeba_task)


def test_date_task_is_deterministic_and_builds_vocabularies_from_training_only():
    from attnbook.seq2seq import date_task

    task = date_task(n_train=300, n_valid=20, n_test=30, seed=3)
    again = date_task(n_train=300, n_valid=20, n_test=30, seed=3)
    assert task.train == again.train and [e.text for e in task.splits["test"]] == [e.text for e in again.splits["test"]]
    assert len(task.train) == 300 and len(task.splits["test"]) == 30
    assert task.max_src_len == max(len(source) for source, _ in task.train)
    train_tokens = {token for source, _ in task.train for token in source}
    assert set(task.src_vocab.itos) - {"<pad>", "<bos>", "<eos>", "<unk>"} == train_tokens
    assert all(len(target) == 10 for _, target in task.train)  # the ISO date, one token per character


def test_tatoeba_task_splits_by_source_and_sorts_training_pairs_by_length():
    from attnbook.data import TranslationPair
    from attnbook.seq2seq import tatoeba_task

    english = [f"Sentence number {i} is {'very ' * (i % 4)}long." for i in range(40)]
    pairs = [TranslationPair(s, f"Phrase {k} : {s}", "CC-BY 2.0 (France)") for s in english for k in range(1 + len(s) % 2)]
    task = tatoeba_task(pairs, seed=0)
    sources = {name: {p.source for p in split} for name, split in task.splits.items()}
    assert not (sources["train"] & sources["test"]) and not (sources["train"] & sources["valid"])
    assert sum(len(split) for split in task.splits.values()) == len(pairs)
    lengths = [(len(target), len(source)) for source, target in task.train]
    assert lengths == sorted(lengths)
    assert task.max_src_len == max(len(source) for source, _ in task.train)


def test_tatoeba_test_set_keeps_each_reference_once_and_leaves_bleu_unchanged():
    from attnbook.data import TaskData, TranslationPair
    from attnbook.evaluation import tatoeba_test_set

    credit = "CC-BY 2.0 (France)"
    pairs = [TranslationPair("Smile.", "Souriez\u202f!", credit),
             TranslationPair("Smile.", "Souris.", credit),
             TranslationPair("Smile.", "Souriez !", credit),
             TranslationPair("Who?", "Qui ?", credit)]
    task = TaskData({"train": [], "valid": [], "test": pairs}, [], None, None, 0, {})
    sources, source_tokens, references = tatoeba_test_set(task)
    assert sources == ["Smile.", "Who?"] and source_tokens[1] == ["who", "?"]
    assert references == [["souriez !", "souris ."], ["qui ?"]]  # first-seen order, once each
    hypotheses = ["souriez !", "qui est ?"]
    with_repeats = [["souriez !", "souris .", "souriez !"], ["qui ?"]]
    assert corpus_bleu(hypotheses, references) == pytest.approx(corpus_bleu(hypotheses, with_repeats))


def test_tasks_without_training_examples_raise_a_clear_error():
    from attnbook.data import TranslationPair
    from attnbook.seq2seq import date_task, tatoeba_task

    with pytest.raises(ValueError, match="empty training split"):
        date_task(n_train=0, n_valid=10, n_test=10)
    with pytest.raises(ValueError, match="empty list of pairs"):
        tatoeba_task([])
    one = tatoeba_task([TranslationPair("Hello.", "Bonjour.", "CC-BY 2.0 (France)")])
    assert one.train == [(["hello", "."], ["bonjour", "."])]  # a single pair is kept for training, not lost


def test_evaluate_by_length_scores_a_task_split_bucket_by_bucket():
    from attnbook.data import bottleneck_task
    from attnbook.evaluation import evaluate_by_length, exact_match, scores_by_length
    from attnbook.seq2seq import make_baseline
    from attnbook.training import Seq2SeqConfig

    task = bottleneck_task(n_train=200, n_valid=0, n_test=60, max_count=3, seed=1)
    model = make_baseline(task.src_vocab, task.tgt_vocab, Seq2SeqConfig(embed_dim=8, hidden_size=8),
                          max(task.lengths["test"]))
    buckets = [(1, 6), (7, None)]
    result = evaluate_by_length(model, task, buckets, max_len=12)
    references = [e.target for e in task.splits["test"]]
    assert len(result.hypotheses) == 60 and all(w is None for w in result.weights)
    assert result.overall == exact_match(result.hypotheses, references)
    assert result.results == scores_by_length(task.lengths["test"], result.hypotheses, references,
                                              exact_match, buckets)
    assert sum(count for _, count, _ in result.results) == 60 and len(result.intervals) == 2
    assert result.scores == [score for _, _, score in result.results]
    with pytest.raises(ValueError, match="unknown split 'dev'"):
        evaluate_by_length(model, task, buckets, max_len=12, split="dev")
