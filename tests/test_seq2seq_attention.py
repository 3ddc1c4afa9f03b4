"""Tests for chapter 2's AttentionDecoder and make_attention_model (attnbook.seq2seq)."""

from __future__ import annotations

import random

import pytest
import torch
import torch.nn.functional as F

from attnbook.data import Vocab, batches, pad_sequences
from attnbook.seq2seq import (
    AttentionDecoder,
    Encoder,
    Seq2Seq,
    Seq2SeqConfig,
    exact_match,
    make_attention_model,
    make_baseline,
    train_seq2seq,
    translate,
)

VOCAB, EMBED, HIDDEN = 20, 8, 16


@pytest.fixture
def stand_in():
    """A decoder and a stand-in encoder output: batch of 2 sources, the second padded from 3 to 5 tokens."""
    torch.manual_seed(0)
    decoder = AttentionDecoder(VOCAB, EMBED, HIDDEN, score="dot")
    src_mask = torch.tensor([[True] * 5, [True, True, True, False, False]])  # (2, 5)
    enc_outputs = torch.randn(2, 5, HIDDEN) * src_mask.unsqueeze(-1)  # zeros at padding, like Encoder
    enc_state = (torch.randn(1, 2, HIDDEN), torch.randn(1, 2, HIDDEN))
    tgt_in = torch.randint(4, VOCAB, (2, 6))
    return decoder, enc_outputs, enc_state, src_mask, tgt_in


def run(decoder, tgt_in, enc_outputs, enc_state, src_mask):
    state = decoder.init_state(enc_outputs, enc_state, src_mask)
    return decoder(tgt_in, state, enc_outputs, src_mask)


def test_shapes_and_weights(stand_in):
    decoder, enc_outputs, enc_state, src_mask, tgt_in = stand_in
    logits, (h, c), weights = run(decoder, tgt_in, enc_outputs, enc_state, src_mask)
    assert logits.shape == (2, 6, VOCAB)
    assert h.shape == c.shape == (1, 2, HIDDEN)
    assert weights.shape == (2, 6, 5)
    torch.testing.assert_close(weights.sum(-1), torch.ones(2, 6))
    assert torch.all(weights[1, :, 3:] == 0)


def test_step_by_step_equals_whole_sequence(stand_in):
    decoder, enc_outputs, enc_state, src_mask, tgt_in = stand_in
    logits, _, weights = run(decoder, tgt_in, enc_outputs, enc_state, src_mask)
    state = decoder.init_state(enc_outputs, enc_state, src_mask)
    step_logits, step_weights = [], []
    for t in range(tgt_in.shape[1]):
        logits_t, state, weights_t = decoder(tgt_in[:, t : t + 1], state, enc_outputs, src_mask)
        step_logits.append(logits_t)
        step_weights.append(weights_t)
    torch.testing.assert_close(torch.cat(step_logits, 1), logits, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(torch.cat(step_weights, 1), weights, atol=1e-6, rtol=1e-5)


def test_padding_content_is_ignored(stand_in):
    decoder, enc_outputs, enc_state, src_mask, tgt_in = stand_in
    logits, _, _ = run(decoder, tgt_in, enc_outputs, enc_state, src_mask)
    noisy = enc_outputs.clone()
    noisy[1, 3:] = 100.0
    noisy_logits, _, _ = run(decoder, tgt_in, noisy, enc_state, src_mask)
    torch.testing.assert_close(noisy_logits, logits)


@pytest.mark.parametrize("attentional_size", [None, HIDDEN])
def test_matches_luong_equations_written_with_torch(stand_in, attentional_size):
    _, enc_outputs, enc_state, src_mask, tgt_in = stand_in
    torch.manual_seed(1)
    decoder = AttentionDecoder(VOCAB, EMBED, HIDDEN, score="dot", attentional_size=attentional_size)
    logits, _, weights = run(decoder, tgt_in, enc_outputs, enc_state, src_mask)
    with torch.no_grad():
        lstm = torch.nn.LSTM(EMBED, HIDDEN, batch_first=True)
        lstm.load_state_dict(decoder.rnn.state_dict())
        queries, _ = lstm(F.embedding(tgt_in, decoder.embedding.weight), enc_state)  # (2, 6, hidden)
        mask = src_mask.unsqueeze(1)
        context = F.scaled_dot_product_attention(queries, enc_outputs, enc_outputs, attn_mask=mask, scale=1.0)
        expected_weights = torch.softmax(
            (queries @ enc_outputs.transpose(1, 2)).masked_fill(~mask, float("-inf")), dim=-1
        )
        W_c = decoder.W_c.weight  # (attentional_size, 2 * hidden), Luong eq. 5: tanh(W_c [c; h])
        attentional = torch.tanh(torch.cat([context, queries], -1) @ W_c.T)
        expected_logits = F.linear(attentional, decoder.output.weight, decoder.output.bias)  # eq. 6
    assert W_c.shape == ((attentional_size or 2 * HIDDEN), 2 * HIDDEN)
    torch.testing.assert_close(weights, expected_weights, atol=1e-6, rtol=1e-5)
    torch.testing.assert_close(logits, expected_logits, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("score", ["general", "concat", "additive"])
def test_other_scores_work_in_the_decoder(stand_in, score):
    _, enc_outputs, enc_state, src_mask, tgt_in = stand_in
    decoder = AttentionDecoder(VOCAB, EMBED, HIDDEN, score=score)
    logits, _, weights = run(decoder, tgt_in, enc_outputs, enc_state, src_mask)
    assert logits.shape == (2, 6, VOCAB) and torch.all(weights[1, :, 3:] == 0)


def test_bad_decoder_inputs_raise(stand_in):
    decoder, enc_outputs, enc_state, src_mask, tgt_in = stand_in
    state = decoder.init_state(enc_outputs, enc_state, src_mask)
    with pytest.raises(ValueError, match=r"tgt_in must be 2-D .* got shape \(12,\)"):
        decoder(tgt_in.flatten(), state, enc_outputs, src_mask)
    with pytest.raises(TypeError, match="int64"):
        decoder(tgt_in.float(), state, enc_outputs, src_mask)
    with pytest.raises(ValueError, match=r"enc_outputs must be 3-D \(batch=2, src_len, 16\), got shape \(2, 5, 8\)"):
        decoder(tgt_in, state, enc_outputs[..., :8], src_mask)
    with pytest.raises(ValueError, match=r"enc_outputs must be 3-D"):
        decoder(tgt_in, state, enc_outputs[0], src_mask)
    with pytest.raises(ValueError, match=r"src_token_mask must have shape \(batch, src_len\) = \(2, 5\), got \(2, 4\)"):
        decoder(tgt_in, state, enc_outputs, src_mask[:, :4])
    with pytest.raises(TypeError, match="bool"):
        decoder(tgt_in, state, enc_outputs, src_mask.long())


def test_unknown_score_name_raises():
    with pytest.raises(ValueError, match="unknown score function 'cosine'"):
        AttentionDecoder(VOCAB, EMBED, HIDDEN, score="cosine")


# --- the whole model ------------------------------------------------------------------------------


@pytest.fixture
def vocabs():
    letters = list("abcdefgh")
    return Vocab([letters]), Vocab([letters])


def test_make_attention_model_reuses_chapter_1(vocabs):
    src_vocab, tgt_vocab = vocabs
    config = Seq2SeqConfig(embed_dim=8, hidden_size=16)
    model = make_attention_model(src_vocab, tgt_vocab, config, max_src_len=7, score="additive")
    assert isinstance(model, Seq2Seq) and isinstance(model.encoder, Encoder)
    assert isinstance(model.decoder, AttentionDecoder)
    assert (model.bos_id, model.eos_id, model.pad_id, model.max_src_len) == (
        tgt_vocab.bos_id, tgt_vocab.eos_id, tgt_vocab.pad_id, 7)
    again = make_attention_model(src_vocab, tgt_vocab, config, max_src_len=7, score="additive")
    for p, q in zip(model.parameters(), again.parameters()):  # seeded by config.seed
        assert torch.equal(p, q)
    with pytest.raises(ValueError, match="unknown score function"):
        make_attention_model(src_vocab, tgt_vocab, config, max_src_len=7, score="nope")


def test_greedy_decode_returns_attention_weights(vocabs):
    src_vocab, tgt_vocab = vocabs
    model = make_attention_model(src_vocab, tgt_vocab, Seq2SeqConfig(embed_dim=8, hidden_size=16), 7, score="dot")
    src, src_lengths = pad_sequences([src_vocab.encode(list("abcde")), src_vocab.encode(list("ab"))], 0)
    tokens, weights = model.greedy_decode(src, src_lengths, max_len=4)
    assert tokens.shape[0] == 2 and tokens.shape[1] <= 4
    assert weights.shape == (2, tokens.shape[1], 5)
    torch.testing.assert_close(weights.sum(-1), torch.ones(2, tokens.shape[1]))
    assert torch.all(weights[1, :, 2:] == 0)


def test_model_rejects_bad_sources(vocabs):
    src_vocab, tgt_vocab = vocabs
    model = make_attention_model(src_vocab, tgt_vocab, Seq2SeqConfig(embed_dim=8, hidden_size=16), 3, score="dot")
    tgt_in = torch.ones(1, 2, dtype=torch.int64)
    with pytest.raises(ValueError, match="max_src_len=3"):
        model(torch.ones(1, 5, dtype=torch.int64), torch.tensor([5]), tgt_in)
    with pytest.raises(ValueError, match="empty batch"):
        model(torch.ones(0, 2, dtype=torch.int64), torch.ones(0, dtype=torch.int64), tgt_in[:0])


def test_attention_learns_to_reverse_sequences():
    """A task a fixed context vector finds hard and attention finds easy: reverse 4-8 letters.

    Real training runs (a few seconds): with the same data and settings, the attention model must
    get most held-out sequences exactly right, clearly more than chapter 1's baseline, and its
    attention weights must point at the mirrored source position.
    """
    rng = random.Random(0)
    letters = list("abcdefghij")

    def sample(n):
        sources = [[rng.choice(letters) for _ in range(rng.randint(4, 8))] for _ in range(n)]
        return [(s, s[::-1]) for s in sources]

    train, test = sample(3000), sample(200)
    src_vocab, tgt_vocab = Vocab([letters]), Vocab([letters])
    config = Seq2SeqConfig(embed_dim=16, hidden_size=64, num_epochs=6, batch_size=64, lr=3e-3, seed=0)
    model = make_attention_model(src_vocab, tgt_vocab, config, max_src_len=8, score="dot")
    train_seq2seq(model, list(batches(train, src_vocab, tgt_vocab, config.batch_size)), config,
                  log_every_epoch=False)
    hypotheses, weights = translate(model, [s for s, _ in test], src_vocab, tgt_vocab, max_len=10)
    attention_score = exact_match(hypotheses, [t for _, t in test])
    baseline = make_baseline(src_vocab, tgt_vocab, config, max_src_len=8)
    train_seq2seq(baseline, list(batches(train, src_vocab, tgt_vocab, config.batch_size)), config,
                  log_every_epoch=False)
    baseline_hypotheses, _ = translate(baseline, [s for s, _ in test], src_vocab, tgt_vocab, max_len=10)
    baseline_score = exact_match(baseline_hypotheses, [t for _, t in test])
    assert attention_score >= 0.9 and attention_score >= baseline_score + 0.15, (attention_score, baseline_score)
    mirrored = [
        int(w[t].argmax()) == len(s) - 1 - t
        for (s, _), w in zip(test, weights)
        for t in range(min(len(s), w.shape[0]))
    ]
    assert sum(mirrored) / len(mirrored) >= 0.8
