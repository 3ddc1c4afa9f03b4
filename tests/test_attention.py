"""attnbook.attention: scaled_dot_product_attention and MultiHeadAttention against PyTorch's own."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from attnbook.attention import MultiHeadAttention, merge_heads, scaled_dot_product_attention, split_heads
from attnbook.masks import key_mask, to_torch

TOL = 1e-6  # float32, from the issue


def rand(*shape, seed=0, dtype=torch.float32):
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed), dtype=dtype)


def padding_keep(lengths, max_len):
    """(batch, max_len) bool, True = real token (may attend)."""
    return torch.arange(max_len)[None, :] < torch.as_tensor(lengths)[:, None]


# --------------------------------------------------------------------------- scaled_dot_product_attention


@pytest.mark.parametrize("shape_q, shape_k, d_v", [
    ((5, 8), (7, 8), 3),                 # no batch dimension
    ((2, 5, 8), (2, 7, 8), 4),           # (batch, T, d)
    ((2, 3, 6, 16), (2, 3, 6, 16), 16),  # (batch, heads, T, d)
    ((2, 3, 4, 8), (1, 1, 9, 8), 5),     # broadcast batch dimensions
])
def test_sdpa_matches_torch_without_mask(shape_q, shape_k, d_v):
    query, key = rand(*shape_q, seed=1), rand(*shape_k, seed=2)
    value = rand(*shape_k[:-1], d_v, seed=3)
    out, weights = scaled_dot_product_attention(query, key, value)
    expected = F.scaled_dot_product_attention(query, key, value)
    assert out.shape == expected.shape
    assert (out - expected).abs().max() <= TOL
    assert weights.shape == (*torch.broadcast_shapes(shape_q[:-2], shape_k[:-2]), shape_q[-2], shape_k[-2])
    torch.testing.assert_close(weights.sum(-1), torch.ones(weights.shape[:-1]))


def test_sdpa_weights_are_the_softmax_of_scaled_scores():
    query, key, value = rand(3, 4, 8, seed=1), rand(3, 6, 8, seed=2), rand(3, 6, 2, seed=3)
    _, weights = scaled_dot_product_attention(query, key, value)
    expected = torch.softmax(query.double() @ key.double().transpose(1, 2) / 8 ** 0.5, dim=-1)
    assert (weights.double() - expected).abs().max() <= TOL


def test_sdpa_worked_example():
    # chapter 3: scores ln 2, 0, ln 7 -> weights 0.2, 0.1, 0.7
    import math
    ln2, ln7 = math.log(2.0), math.log(7.0)
    q = torch.tensor([[1.0, 0.0, 0.0, 1.0]])
    k = torch.tensor([[ln2, 0.0, 0.0, ln2], [0.0, 1.0, -1.0, 0.0], [ln7, 0.0, 0.0, ln7]])
    out, w = scaled_dot_product_attention(q, k, torch.eye(3))
    torch.testing.assert_close(w, torch.tensor([[0.2, 0.1, 0.7]]), atol=1e-6, rtol=0)
    torch.testing.assert_close(out, w)


@pytest.mark.parametrize("kind", ["padding", "causal", "padding_and_causal", "per_head"])
def test_sdpa_matches_torch_with_masks(kind):
    batch, heads, T, d = 3, 2, 6, 8
    query, key, value = rand(batch, heads, T, d, seed=1), rand(batch, heads, T, d, seed=2), rand(batch, heads, T, d, seed=3)
    padding = padding_keep([6, 4, 2], T)[:, None, None, :]            # (batch, 1, 1, T_k)
    causal = torch.tril(torch.ones(T, T, dtype=torch.bool))           # (T_q, T_k)
    mask = {"padding": padding, "causal": causal, "padding_and_causal": padding & causal,
            "per_head": rand(batch, heads, T, T, seed=4) > -0.5}[kind]
    mask = mask | torch.eye(T, dtype=torch.bool) if kind == "per_head" else mask  # no fully masked row here
    out, weights = scaled_dot_product_attention(query, key, value, mask=mask)
    expected = F.scaled_dot_product_attention(query, key, value, attn_mask=mask)
    assert (out - expected).abs().max() <= TOL
    assert torch.all(weights.masked_select(~mask.expand_as(weights)) == 0)
    torch.testing.assert_close(weights.sum(-1), torch.ones(batch, heads, T))


def test_sdpa_fully_masked_row_gives_zeros_and_finite_gradients():
    query, key, value = rand(2, 3, 4, seed=1), rand(2, 5, 4, seed=2), rand(2, 5, 3, seed=3)
    for t in (query, key, value):
        t.requires_grad_(True)
    mask = torch.ones(2, 3, 5, dtype=torch.bool)
    mask[0, 1] = False          # query 1 of example 0 may attend to nothing
    mask[1] = False             # example 1 has an empty memory
    out, weights = scaled_dot_product_attention(query, key, value, mask=mask)
    assert torch.equal(out[0, 1], torch.zeros(3)) and torch.equal(out[1], torch.zeros(3, 3))
    assert torch.equal(weights[0, 1], torch.zeros(5)) and torch.equal(weights[1], torch.zeros(3, 5))
    assert torch.isfinite(out).all() and torch.isfinite(weights).all()
    # the other rows are unchanged
    expected, _ = scaled_dot_product_attention(query[:1, [0, 2]], key[:1], value[:1])
    torch.testing.assert_close(out[0, [0, 2]], expected[0])
    out.sum().backward()
    for t in (query, key, value):
        assert torch.isfinite(t.grad).all()
    assert torch.equal(query.grad[0, 1], torch.zeros(4)) and torch.equal(query.grad[1], torch.zeros(3, 4))


def test_sdpa_gradcheck_float64():
    query = rand(2, 3, 4, seed=1, dtype=torch.float64).requires_grad_()
    key = rand(2, 5, 4, seed=2, dtype=torch.float64).requires_grad_()
    value = rand(2, 5, 3, seed=3, dtype=torch.float64).requires_grad_()
    mask = padding_keep([5, 3], 5)[:, None, :]
    assert torch.autograd.gradcheck(lambda q, k, v: scaled_dot_product_attention(q, k, v)[0], (query, key, value))
    assert torch.autograd.gradcheck(lambda q, k, v: scaled_dot_product_attention(q, k, v, mask=mask)[0],
                                    (query, key, value))


def test_sdpa_dropout_drops_and_rescales_weights():
    torch.manual_seed(0)
    query, key = rand(4, 50, 8, seed=1), rand(4, 10, 8, seed=2)
    value = torch.eye(10).expand(4, 10, 10)        # output row = the (dropped) weights themselves
    p = 0.3
    out, weights = scaled_dot_product_attention(query, key, value, dropout_p=p)
    kept = out != 0
    torch.testing.assert_close(out[kept], weights[kept] / (1 - p))
    assert 0.6 < kept.float().mean() < 0.8          # about 1 - p of the weights survive
    torch.testing.assert_close(weights.sum(-1), torch.ones(4, 50))  # returned weights are before dropout
    same, _ = scaled_dot_product_attention(query, key, value, dropout_p=0.0)
    torch.testing.assert_close(same, weights)


@pytest.mark.parametrize("args, kwargs, error, match", [
    ((rand(8), rand(5, 8), rand(5, 3)), {}, ValueError, "query must have at least 2 dimensions"),
    ((rand(4, 8), rand(5, 7), rand(5, 3)), {}, ValueError, "same last dimension d_k"),
    ((rand(4, 8), rand(5, 8), rand(6, 3)), {}, ValueError, "same number of positions T_k"),
    ((rand(2, 4, 8), rand(3, 5, 8), rand(3, 5, 3)), {}, ValueError, "do not broadcast"),
    ((rand(4, 8), rand(5, 8), rand(5, 3)), {"mask": torch.ones(4, 4, dtype=torch.bool)}, ValueError,
     r"mask of shape \(4, 4\) does not broadcast"),
    ((rand(4, 8), rand(5, 8), rand(5, 3)), {"mask": torch.ones(2, 4, 5, dtype=torch.bool)}, ValueError,
     "does not broadcast"),
    ((rand(4, 8), rand(5, 8), rand(5, 3)), {"mask": torch.ones(4, 5)}, TypeError, "torch.bool"),
    ((rand(4, 8), rand(5, 8), rand(5, 3)), {"mask": torch.ones(4, 5, dtype=torch.int64)}, TypeError, "torch.bool"),
    ((torch.ones(4, 8, dtype=torch.int64), rand(5, 8), rand(5, 3)), {}, TypeError, "floating-point"),
    ((rand(4, 8), rand(5, 8, dtype=torch.float64), rand(5, 3)), {}, TypeError, "one dtype"),
    (([[1.0] * 8] * 4, rand(5, 8), rand(5, 3)), {}, TypeError, "must be a torch.Tensor"),
    ((rand(4, 8), rand(5, 8), rand(5, 3)), {"dropout_p": 1.0}, ValueError, "dropout_p"),
])
def test_sdpa_bad_input_raises_clear_error(args, kwargs, error, match):
    with pytest.raises(error, match=match):
        scaled_dot_product_attention(*args, **kwargs)


# --------------------------------------------------------------------------- MultiHeadAttention


def torch_mha(d_model=16, num_heads=4, bias=True, seed=0, dtype=torch.float32):
    torch.manual_seed(seed)
    module = nn.MultiheadAttention(d_model, num_heads, bias=bias, batch_first=True, dtype=dtype)
    with torch.no_grad():  # torch initialises the biases to zero; make them count
        for p in module.parameters():
            if p.dim() == 1:
                p.normal_()
    return module.eval()


def assert_matches(ours, theirs, *inputs, mask=None, **torch_masks):
    """Our module with ``mask`` (True = may attend) against torch's with ``torch_masks``."""
    with torch.no_grad():
        out, weights = ours(*inputs, mask=mask)
        expected, expected_weights = theirs(*inputs, **torch_masks, average_attn_weights=False)
    assert out.shape == expected.shape and weights.shape == expected_weights.shape
    assert (out - expected).abs().max() <= TOL
    assert (weights - expected_weights).abs().max() <= TOL


@pytest.mark.parametrize("bias", [True, False])
def test_mha_from_torch_self_attention(bias):
    reference = torch_mha(bias=bias)
    mha = MultiHeadAttention.from_torch(reference)
    x = rand(3, 7, 16, seed=1)
    assert_matches(mha, reference, x, x, x)


def test_mha_from_torch_cross_attention():
    reference = torch_mha(d_model=24, num_heads=3)
    mha = MultiHeadAttention.from_torch(reference)
    query, memory = rand(2, 4, 24, seed=1), rand(2, 9, 24, seed=2)
    assert_matches(mha, reference, query, memory, memory)
    assert_matches(mha, reference, query, memory, rand(2, 9, 24, seed=3))  # key != value


def test_mha_from_torch_with_masks():
    # Our masks are True = may attend; torch's are True = blocked, converted by masks.to_torch.
    reference = torch_mha()
    mha = MultiHeadAttention.from_torch(reference)
    x, memory = rand(3, 6, 16, seed=1), rand(3, 8, 16, seed=2)
    real_self = padding_keep([6, 4, 1], 6)          # (batch, T): True = real token
    real_memory = padding_keep([8, 5, 3], 8)
    causal = torch.tril(torch.ones(6, 6, dtype=torch.bool))   # (T_q, T_k): True = may attend
    per_example = rand(3, 6, 8, seed=3) < 1.0                 # (batch, T_q, T_k)
    per_example[:, :, 0] = True                     # every query keeps key 0: no fully masked rows
    torch_per_example = to_torch(per_example).repeat_interleave(4, dim=0)  # (batch * heads, T_q, T_k)
    assert_matches(mha, reference, x, x, x, mask=key_mask(real_self),
                   key_padding_mask=to_torch(real_self))
    assert_matches(mha, reference, x, x, x, mask=causal, attn_mask=to_torch(causal))
    assert_matches(mha, reference, x, x, x, mask=key_mask(real_self) & causal,
                   key_padding_mask=to_torch(real_self), attn_mask=to_torch(causal))
    assert_matches(mha, reference, x, memory, memory, mask=key_mask(real_memory),
                   key_padding_mask=to_torch(real_memory))
    assert_matches(mha, reference, x, memory, memory, mask=key_mask(real_memory) & per_example,
                   key_padding_mask=to_torch(real_memory), attn_mask=torch_per_example)


@pytest.mark.parametrize("shape", [(8,), (1, 8), (6, 8), (3, 1, 8), (1, 6, 8), (3, 6, 8)])
def test_mha_mask_broadcasts_from_any_shape_to_every_head(shape):
    reference = torch_mha()
    mha = MultiHeadAttention.from_torch(reference)
    x, memory = rand(3, 6, 16, seed=1), rand(3, 8, 16, seed=2)
    mask = rand(*shape, seed=4) < 0.8
    mask[..., 0] = True                             # no fully masked rows
    full = mask.expand(3, 6, 8)                     # (batch, T_q, T_k)
    assert_matches(mha, reference, x, memory, memory, mask=mask,
                   attn_mask=to_torch(full).repeat_interleave(4, dim=0))
    _, weights = mha(x, memory, memory, mask=mask)
    assert torch.all(weights.masked_select(~full[:, None].expand_as(weights)) == 0)


def test_mha_mask_is_true_where_attention_is_allowed():
    # The one convention: True = may attend. A (batch, 1, T_k) key mask hides the padding keys.
    reference = torch_mha()
    mha = MultiHeadAttention.from_torch(reference)
    x = rand(2, 5, 16, seed=1)
    real = padding_keep([5, 3], 5)
    _, weights = mha(x, x, x, mask=key_mask(real))
    assert torch.all(weights[1, :, :, 3:] == 0)     # padding keys of example 1 get no weight
    assert torch.all(weights[1, :, :, :3].sum(-1) > 0.999)


def test_mha_fully_masked_query_gives_zero_weights():
    mha = MultiHeadAttention(8, 2)
    x = rand(1, 3, 8)
    mask = torch.ones(3, 3, dtype=torch.bool)
    mask[1] = False                                 # query 1 may attend to nothing
    out, weights = mha(x, x, x, mask=mask)
    assert torch.equal(weights[0, :, 1], torch.zeros(2, 3))
    torch.testing.assert_close(out[0, 1], mha.w_o.bias)   # zero heads -> only the output bias
    assert torch.isfinite(out).all()


def test_split_and_merge_heads_are_inverse():
    x = rand(2, 5, 12)
    split = split_heads(x, 3)
    assert split.shape == (2, 3, 5, 4)
    torch.testing.assert_close(split[:, 1], x[..., 4:8])   # head 1 reads features 4..7
    assert torch.equal(merge_heads(split), x)


@pytest.mark.parametrize("x, num_heads, error, match", [
    (rand(2, 5, 10), 4, ValueError, r"d_model \(10\) must be divisible by num_heads \(4\)"),
    (rand(5, 12), 3, ValueError, r"x must have shape \(batch, seq_len, d_model\)"),
    (rand(2, 5, 12), 0, ValueError, "num_heads must be a positive integer"),
    ([[1.0] * 12] * 5, 3, TypeError, "must be a torch.Tensor"),
])
def test_split_heads_bad_input(x, num_heads, error, match):
    with pytest.raises(error, match=match):
        split_heads(x, num_heads)


def test_mha_from_torch_copies_mode_dtype_and_dropout():
    reference = nn.MultiheadAttention(8, 2, dropout=0.25, batch_first=True, dtype=torch.float64).train()
    mha = MultiHeadAttention.from_torch(reference)
    assert mha.training and mha.dropout == 0.25 and mha.w_q.weight.dtype == torch.float64
    reference.eval()
    mha = MultiHeadAttention.from_torch(reference)
    x = rand(2, 5, 8, dtype=torch.float64)
    assert_matches(mha, reference, x, x, x)


def test_mha_dropout_only_in_training():
    mha = MultiHeadAttention(8, 2, dropout=0.5)
    x = rand(2, 5, 8)
    torch.manual_seed(0)
    train_out, _ = mha(x, x, x)
    mha.eval()
    eval_a, _ = mha(x, x, x)
    eval_b, _ = mha(x, x, x)
    assert torch.equal(eval_a, eval_b) and not torch.allclose(train_out, eval_a)


def test_mha_gradcheck_float64():
    torch.manual_seed(0)
    mha = MultiHeadAttention(6, 2).double()
    query = rand(2, 3, 6, seed=1, dtype=torch.float64).requires_grad_()
    memory = rand(2, 4, 6, seed=2, dtype=torch.float64).requires_grad_()
    mask = key_mask(torch.tensor([[True] * 4, [True, True, False, False]]))  # (batch, 1, T_k)
    assert torch.autograd.gradcheck(lambda q, m: mha(q, m, m, mask=mask)[0], (query, memory))


@pytest.mark.parametrize("d_model, num_heads", [(10, 3), (8, 0), (0, 2)])
def test_mha_bad_head_count(d_model, num_heads):
    with pytest.raises(ValueError, match=f"d_model.*{d_model}.*num_heads.*{num_heads}"):
        MultiHeadAttention(d_model, num_heads)


def test_mha_bad_dropout():
    with pytest.raises(ValueError, match="dropout"):
        MultiHeadAttention(8, 2, dropout=1.5)


@pytest.mark.parametrize("inputs, masks, error, match", [
    ((rand(5, 8), rand(5, 8), rand(5, 8)), {}, ValueError, r"query must have shape \(batch, seq_len, d_model=8\)"),
    ((rand(2, 5, 6), rand(2, 5, 8), rand(2, 5, 8)), {}, ValueError, "d_model=8"),
    ((rand(2, 5, 8), rand(3, 5, 8), rand(3, 5, 8)), {}, ValueError, "same batch size"),
    ((rand(2, 5, 8), rand(2, 5, 8), rand(2, 6, 8)), {}, ValueError, "same length T_k"),
    ((rand(2, 5, 8),) * 3, {"mask": torch.ones(2, 4, dtype=torch.bool)}, ValueError,
     r"mask of shape \(2, 4\) does not broadcast to \(batch, T_q, T_k\) = \(2, 5, 5\)"),
    ((rand(2, 5, 8),) * 3, {"mask": torch.ones(5, 4, dtype=torch.bool)}, ValueError, "does not broadcast"),
    ((rand(2, 5, 8),) * 3, {"mask": torch.ones(3, 5, 5, dtype=torch.bool)}, ValueError, "does not broadcast"),
    ((rand(2, 5, 8),) * 3, {"mask": torch.ones(2, 2, 5, 5, dtype=torch.bool)}, ValueError,
     "does not broadcast"),                         # a per-head mask is not part of the API
    ((rand(2, 5, 8),) * 3, {"mask": torch.ones(2, 1, 5)}, TypeError, r"torch.bool tensor \(True = may attend\)"),
    ((rand(2, 5, 8),) * 3, {"mask": torch.ones(2, 1, 5, dtype=torch.int64)}, TypeError, "torch.bool"),
    ((rand(2, 5, 8),) * 3, {"key_padding_mask": torch.zeros(2, 5, dtype=torch.bool)}, TypeError,
     "unexpected keyword argument 'key_padding_mask'"),   # the old torch-style masks are gone
    ((rand(2, 5, 8),) * 3, {"attn_mask": torch.zeros(5, 5, dtype=torch.bool)}, TypeError,
     "unexpected keyword argument 'attn_mask'"),
    ((rand(2, 5, 8), rand(2, 5, 8, dtype=torch.float64), rand(2, 5, 8)), {}, TypeError, "one dtype"),
])
def test_mha_bad_input_raises_clear_error(inputs, masks, error, match):
    mha = MultiHeadAttention(8, 2)
    with pytest.raises(error, match=match):
        mha(*inputs, **masks)


@pytest.mark.parametrize("module, match", [
    (nn.MultiheadAttention(8, 2), "batch_first=True"),
    (nn.MultiheadAttention(8, 2, kdim=4, vdim=4, batch_first=True), "kdim"),
    (nn.MultiheadAttention(8, 2, add_bias_kv=True, batch_first=True), "add_bias_kv"),
    (nn.MultiheadAttention(8, 2, add_zero_attn=True, batch_first=True), "add_zero_attn"),
])
def test_mha_from_torch_rejects_unsupported_options(module, match):
    with pytest.raises(ValueError, match=match):
        MultiHeadAttention.from_torch(module)


def test_mha_from_torch_rejects_other_modules():
    with pytest.raises(TypeError, match="nn.MultiheadAttention"):
        MultiHeadAttention.from_torch(nn.Linear(8, 8))


@pytest.mark.parametrize("shapes", [((2, 3), (1, 3)), ((4, 1, 5), (3, 1)), ((), (2,)),
                                    ((0,), (1,)), ((2, 1, 4), (1, 6, 1), (6, 4)),
                                    ((3,), (4,)), ((2, 3), (3, 3)), ((0,), (3,))])
def test_the_checks_broadcast_exactly_as_torch(shapes):
    from attnbook.checks import broadcast_shapes

    try:
        expected = tuple(torch.broadcast_shapes(*shapes))
    except RuntimeError:
        with pytest.raises(RuntimeError):
            broadcast_shapes(*shapes)
    else:
        assert broadcast_shapes(*shapes) == expected


# --------------------------------------------------------------------------- validation runs once


def count_checks(monkeypatch) -> dict[str, int]:
    """Wrap every ``attnbook.checks.check_*`` with a counter; returns the counts by name.

    The modules call their validators as ``checks.check_...(...)``, so the wrapped ones are
    the ones they call. (A validator calling another inside ``attnbook.checks`` is not
    counted: only the validators the model code calls are.)"""
    from attnbook import checks

    counts: dict[str, int] = {}
    for name in dir(checks):
        if name.startswith("check_"):
            def counted(*args, _check=getattr(checks, name), _name=name, **kwargs):
                counts[_name] = counts.get(_name, 0) + 1
                return _check(*args, **kwargs)
            monkeypatch.setattr(checks, name, counted)
    return counts


def one_call_each():
    """(public call, the one validator it runs), chapters 2-4; each call with a mask."""
    from attnbook.attention import Attention, make_score, masked_softmax

    mask = padding_keep([7, 4], 7)[:, None]                                  # (2, 1, 7)
    q, k, v = rand(2, 5, 16, seed=1), rand(2, 7, 16, seed=2), rand(2, 7, 16, seed=3)
    score, attention = make_score("additive", 16, 16), Attention("general", 16, 16)
    mha = MultiHeadAttention(16, 4, dropout=0.1)
    return [
        (lambda: score(q, k), "check_query_key"),
        (lambda: attention(q, k, v, mask), "check_attention"),
        (lambda: masked_softmax(rand(2, 5, 7), mask), "check_scores_and_mask"),
        (lambda: scaled_dot_product_attention(q, k, v, mask, 0.1), "check_attention_inputs"),
        (lambda: split_heads(q, 4), "check_split_heads"),
        (lambda: mha(q, k, v, mask), "check_multi_head_inputs"),
        (lambda: mha.eval()(q, k, v, mask), "check_multi_head_inputs"),
    ]


@pytest.mark.parametrize("index", range(7))
def test_each_public_call_runs_its_validation_once(monkeypatch, index):
    # MultiHeadAttention.forward used to run six validators and check the mask three times
    # (its own check, split_heads' x3, scaled_dot_product_attention's, masked_softmax's).
    # Now a public call checks once and the internals call the unchecked cores.
    call, check = one_call_each()[index]
    counts = count_checks(monkeypatch)
    call()
    assert counts == {check: 1}


def test_an_attention_decoder_step_checks_once(monkeypatch):
    from attnbook.seq2seq import AttentionDecoder

    decoder = AttentionDecoder(vocab_size=11, embed_dim=6, hidden_size=8, score="dot")
    enc_outputs = rand(2, 5, 8)
    state = (rand(1, 2, 8, seed=1), rand(1, 2, 8, seed=2))
    counts = count_checks(monkeypatch)
    decoder(torch.ones(2, 3, dtype=torch.long), state, enc_outputs, padding_keep([5, 2], 5))
    assert counts == {"check_attention_decoder_inputs": 1}


def test_the_unchecked_cores_give_the_checked_results():
    from attnbook.attention import (
        Attention, _masked_softmax, _scaled_dot_product_attention, _split_heads, masked_softmax)

    mask = padding_keep([7, 4], 7)[:, None]
    q, k, v = rand(2, 5, 16, seed=1), rand(2, 7, 16, seed=2), rand(2, 7, 16, seed=3)
    scores = rand(2, 5, 7)
    assert torch.equal(_masked_softmax(scores, mask), masked_softmax(scores, mask))
    for ours, theirs in zip(_scaled_dot_product_attention(q, k, v, mask),
                            scaled_dot_product_attention(q, k, v, mask)):
        assert torch.equal(ours, theirs)
    assert torch.equal(_split_heads(q, 4), split_heads(q, 4))
    attention = Attention("concat", 16, 16)
    for ours, theirs in zip(attention.attend(q, k, v, mask), attention(q, k, v, mask)):
        assert torch.equal(ours, theirs)
    mha = MultiHeadAttention(16, 4).eval()
    for ours, theirs in zip(mha.attend(q, k, v, mask), mha(q, k, v, mask)):
        assert torch.equal(ours, theirs)
