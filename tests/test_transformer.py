"""attnbook.transformer: positional encoding, feed-forward, encoder layer and stack against PyTorch's own."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from attnbook.masks import key_mask, to_torch, token_mask
from attnbook.transformer import FeedForward, PositionalEncoding, TransformerEncoder, TransformerEncoderLayer


def rand(*shape, seed=0, dtype=torch.float32):
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed), dtype=dtype)


def torch_layer(d_model=32, num_heads=4, d_ff=64, activation="relu", norm_first=False, eps=1e-5, seed=0):
    torch.manual_seed(seed)
    layer = nn.TransformerEncoderLayer(d_model, num_heads, d_ff, dropout=0.1, activation=activation,
                                       norm_first=norm_first, layer_norm_eps=eps, batch_first=True)
    with torch.no_grad():  # make the LayerNorm and bias parameters non-trivial
        for p in layer.parameters():
            if p.dim() == 1:
                p.add_(0.1 * torch.randn_like(p))
    return layer.eval()


REAL = token_mask([7, 5, 2], 7)     # (3, 7), True = real token
MASK = key_mask(REAL)                # (3, 1, 7), True = may attend: the course's encoder mask
PADDING = to_torch(REAL)             # (3, 7), True = padding: torch's src_key_padding_mask


# --------------------------------------------------------------------------- PositionalEncoding


@pytest.mark.parametrize("d_model", [16, 7])
def test_positional_encoding_follows_the_formula(d_model):
    pe = PositionalEncoding(d_model, max_len=50).pe
    assert pe.shape == (50, d_model) and pe.dtype == torch.float32
    for pos in (0, 1, 13, 49):
        for i in range(d_model):
            angle = pos / 10000 ** ((i - i % 2) / d_model)
            expected = math.sin(angle) if i % 2 == 0 else math.cos(angle)
            assert abs(pe[pos, i].item() - expected) <= 1e-6


def test_positional_encoding_adds_to_the_input_and_is_not_saved():
    module = PositionalEncoding(8, max_len=20)
    x = rand(2, 5, 8)
    torch.testing.assert_close(module(x), x + module.pe[:5])
    assert "pe" not in module.state_dict()


def test_positional_encoding_relative_positions_are_linear_maps():
    # PE[pos + k] is a fixed rotation of PE[pos] for each sin/cos pair
    pe = PositionalEncoding(8, max_len=40).pe.double()
    k = 3
    for i in range(4):
        w = 1 / 10000 ** (2 * i / 8)
        rotation = torch.tensor([[math.cos(k * w), -math.sin(k * w)], [math.sin(k * w), math.cos(k * w)]],
                                dtype=torch.float64)
        pairs = pe[:, 2 * i: 2 * i + 2]
        torch.testing.assert_close(pairs[:-k] @ rotation, pairs[k:], atol=1e-6, rtol=0)


def test_positional_encoding_from_start_adds_the_later_positions():
    module = PositionalEncoding(8, max_len=20)
    x = rand(2, 5, 8)
    torch.testing.assert_close(module(x, start=7), x + module.pe[7:12])
    torch.testing.assert_close(module(x, 15), x + module.pe[15:20])   # the last 5 positions
    torch.testing.assert_close(module(x, 0), module(x))


@pytest.mark.parametrize("start, error, match", [
    (16, ValueError, r"start \+ seq_len = 16 \+ 5 exceeds max_len=20"),
    (-1, ValueError, "start must be >= 0"),
    (1.0, TypeError, "start must be an int"),
    (True, TypeError, "start must be an int"),
])
def test_positional_encoding_bad_start(start, error, match):
    with pytest.raises(error, match=match):
        PositionalEncoding(8, max_len=20)(rand(2, 5, 8), start)


@pytest.mark.parametrize("x, match", [
    (rand(2, 5, 6), r"d_model=8"),
    (rand(5, 8), r"\(batch, seq_len, d_model=8\)"),
    (rand(1, 11, 8), "exceeds max_len=10"),
])
def test_positional_encoding_bad_input(x, match):
    with pytest.raises(ValueError, match=match):
        PositionalEncoding(8, max_len=10)(x)


def test_positional_encoding_bad_arguments():
    with pytest.raises(ValueError, match="d_model and max_len"):
        PositionalEncoding(0)
    with pytest.raises(ValueError, match="dropout"):
        PositionalEncoding(8, dropout=1.0)


# --------------------------------------------------------------------------- FeedForward


@pytest.mark.parametrize("activation, fn", [("relu", F.relu), ("gelu", F.gelu)])
def test_feed_forward_is_two_linear_maps(activation, fn):
    ff = FeedForward(8, 16, activation=activation)
    x = rand(2, 3, 8)
    expected = fn(x @ ff.linear1.weight.T + ff.linear1.bias) @ ff.linear2.weight.T + ff.linear2.bias
    torch.testing.assert_close(ff(x), expected)


def test_feed_forward_bad_arguments():
    with pytest.raises(ValueError, match="activation must be one of"):
        FeedForward(8, 16, activation="tanh")
    with pytest.raises(ValueError, match="d_model and d_ff"):
        FeedForward(8, 0)


# --------------------------------------------------------------------------- TransformerEncoderLayer


@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("activation", ["relu", "gelu"])
def test_layer_from_torch_matches_in_eval_mode(norm_first, activation):
    reference = torch_layer(activation=activation, norm_first=norm_first)
    layer = TransformerEncoderLayer.from_torch(reference)
    assert not layer.training and layer.norm_first == norm_first
    x = rand(3, 7, 32, seed=1)
    causal = torch.tril(torch.ones(7, 7, dtype=torch.bool))     # True = may attend
    with torch.no_grad():
        for kwargs, torch_kwargs in (({}, {}),
                                     ({"mask": MASK}, {"src_key_padding_mask": PADDING}),
                                     ({"mask": causal}, {"src_mask": to_torch(causal)}),
                                     ({"mask": MASK & causal},
                                      {"src_key_padding_mask": PADDING, "src_mask": to_torch(causal)})):
            out, weights = layer(x, **kwargs)
            expected = reference(x, **torch_kwargs)
            assert (out - expected).abs().max() <= 1e-5
            assert weights.shape == (3, 4, 7, 7)


def test_layer_from_torch_bert_style():
    # GELU, post-LN, eps 1e-12 as in BERT
    reference = torch_layer(d_model=48, num_heads=6, d_ff=192, activation="gelu", eps=1e-12)
    layer = TransformerEncoderLayer.from_torch(reference)
    assert layer.norm1.eps == 1e-12
    x = rand(2, 9, 48, seed=2)
    with torch.no_grad():
        assert (layer(x)[0] - reference(x)).abs().max() <= 1e-5


def test_layer_gradients_match_torch_in_train_mode_without_dropout():
    torch.manual_seed(0)
    reference = nn.TransformerEncoderLayer(16, 2, 32, dropout=0.0, batch_first=True)
    layer = TransformerEncoderLayer.from_torch(reference)
    x = rand(2, 5, 16, seed=3)
    layer(x)[0].square().sum().backward()
    reference(x).square().sum().backward()
    torch.testing.assert_close(layer.feed_forward.linear1.weight.grad, reference.linear1.weight.grad,
                               atol=1e-5, rtol=1e-4)
    q_grad = reference.self_attn.in_proj_weight.grad[:16]
    torch.testing.assert_close(layer.self_attn.w_q.weight.grad, q_grad, atol=1e-5, rtol=1e-4)


@pytest.mark.parametrize("norm_first", [False, True])
def test_layer_gradcheck_float64(norm_first):
    torch.manual_seed(0)
    layer = TransformerEncoderLayer(6, 2, 8, dropout=0.0, activation="gelu", norm_first=norm_first).double()
    x = rand(2, 3, 6, dtype=torch.float64).requires_grad_()
    mask = key_mask(token_mask([3, 2], 3))
    assert torch.autograd.gradcheck(lambda t: layer(t, mask=mask)[0], (x,))


def test_layer_from_torch_rejects_unsupported_modules():
    with pytest.raises(TypeError, match="nn.TransformerEncoderLayer"):
        TransformerEncoderLayer.from_torch(nn.Linear(4, 4))
    with pytest.raises(ValueError, match="batch_first=True"):
        TransformerEncoderLayer.from_torch(nn.TransformerEncoderLayer(8, 2, 16))
    with pytest.raises(ValueError, match="unsupported activation"):
        TransformerEncoderLayer.from_torch(
            nn.TransformerEncoderLayer(8, 2, 16, activation=torch.tanh, batch_first=True))
    with pytest.raises(ValueError, match="bias=False"):
        TransformerEncoderLayer.from_torch(nn.TransformerEncoderLayer(8, 2, 16, bias=False, batch_first=True))


def test_layer_bad_arguments_and_inputs():
    with pytest.raises(ValueError, match=r"d_model \(10\).*num_heads \(4\)"):
        TransformerEncoderLayer(10, 4, 16)
    with pytest.raises(ValueError, match="activation"):
        TransformerEncoderLayer(8, 2, 16, activation="swish")
    layer = TransformerEncoderLayer(8, 2, 16)
    with pytest.raises(ValueError, match="d_model=8"):
        layer(rand(2, 5, 6))
    pre_ln = TransformerEncoderLayer(8, 2, 16, norm_first=True)
    with pytest.raises(ValueError, match=r"\(batch, seq_len, d_model=8\), got \(2, 5, 6\)"):
        pre_ln(rand(2, 5, 6))                        # refused before the first LayerNorm
    with pytest.raises(TypeError, match="torch.bool"):
        layer(rand(2, 5, 8), mask=torch.ones(2, 1, 5))
    with pytest.raises(ValueError, match=r"mask of shape \(2, 4\) does not broadcast"):
        layer(rand(2, 5, 8), mask=torch.ones(2, 4, dtype=torch.bool))
    with pytest.raises(TypeError, match="key_padding_mask"):
        layer(rand(2, 5, 8), key_padding_mask=torch.zeros(2, 5, dtype=torch.bool))


# --------------------------------------------------------------------------- TransformerEncoder


@pytest.mark.parametrize("norm_first", [False, True])
def test_encoder_from_torch_matches(norm_first):
    layer = torch_layer(norm_first=norm_first, activation="gelu")
    final = nn.LayerNorm(32) if norm_first else None
    reference = nn.TransformerEncoder(layer, num_layers=3, norm=final, enable_nested_tensor=False).eval()
    encoder = TransformerEncoder.from_torch(reference)
    assert len(encoder.layers) == 3 and (encoder.norm is not None) == norm_first
    x = rand(3, 7, 32, seed=4)
    with torch.no_grad():
        out, weights = encoder(x, mask=MASK, need_weights=True)
        expected = reference(x, src_key_padding_mask=PADDING)
    assert (out - expected).abs().max() <= 1e-5
    assert weights.shape == (3, 3, 4, 7, 7)                        # (batch, num_layers, num_heads, T, T)
    assert torch.all(weights[1, :, :, :, 5:] == 0)                 # padding keys get no attention


def test_encoder_returns_each_layers_weights():
    torch.manual_seed(0)
    encoder = TransformerEncoder(2, 8, 2, 16, dropout=0.0).eval()
    x = rand(2, 4, 8)
    out, weights = encoder(x, need_weights=True)
    h = x
    for i, layer in enumerate(encoder.layers):
        h, w = layer(h)
        torch.testing.assert_close(weights[:, i], w)
    torch.testing.assert_close(out, h)
    torch.testing.assert_close(encoder(x), out)


def test_encoder_final_norm_default_follows_norm_first():
    assert TransformerEncoder(2, 8, 2, 16).norm is None
    assert isinstance(TransformerEncoder(2, 8, 2, 16, norm_first=True).norm, nn.LayerNorm)
    assert TransformerEncoder(2, 8, 2, 16, norm_first=True, final_norm=False).norm is None


def test_encoder_bad_arguments_and_inputs():
    with pytest.raises(ValueError, match="num_layers"):
        TransformerEncoder(0, 8, 2, 16)
    encoder = TransformerEncoder(1, 8, 2, 16)
    with pytest.raises(ValueError, match=r"\(batch, seq_len, d_model=8\)"):
        encoder(rand(5, 8))
    with pytest.raises(ValueError, match=r"mask of shape \(2, 4\) does not broadcast to \(batch, T_q, T_k\)"):
        encoder(rand(2, 5, 8), mask=torch.ones(2, 4, dtype=torch.bool))
    with pytest.raises(TypeError, match="attn_mask"):
        encoder(rand(2, 5, 8), attn_mask=torch.zeros(5, 5, dtype=torch.bool))
    with pytest.raises(TypeError, match="nn.TransformerEncoder"):
        TransformerEncoder.from_torch(nn.Linear(4, 4))
