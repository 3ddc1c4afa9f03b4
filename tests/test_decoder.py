"""attnbook.transformer, chapter 7: the causal mask, the decoder layer and stack against PyTorch's
own, the encoder-decoder Transformer, and its key/value cache."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from attnbook.masks import causal_mask, key_mask, to_torch, token_mask
from attnbook.transformer import (
    KVCache,
    Transformer,
    TransformerDecoder,
    TransformerDecoderLayer,
    TransformerEncoder,
)


def rand(*shape, seed=0):
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed))


def torch_decoder_layer(activation="relu", norm_first=False, seed=0, d_model=32):
    torch.manual_seed(seed)
    layer = nn.TransformerDecoderLayer(d_model, 4, 64, dropout=0.1, activation=activation,
                                       norm_first=norm_first, batch_first=True)
    with torch.no_grad():  # non-trivial LayerNorm and bias parameters
        for p in layer.parameters():
            if p.dim() == 1:
                p.add_(0.1 * torch.randn_like(p))
    return layer.eval()


SRC_TOKENS = token_mask(torch.tensor([5, 3, 1]), 5)     # (3, 5), True = real token
TGT_TOKENS = token_mask(torch.tensor([6, 4, 2]), 6)     # (3, 6)


# --------------------------------------------------------------------------- causal_mask


def test_causal_mask_lets_each_position_see_itself_and_the_past_only():
    mask = causal_mask(5)
    assert mask.shape == (5, 5) and mask.dtype == torch.bool
    for i in range(5):
        for j in range(5):
            assert bool(mask[i, j]) == (j <= i)
    assert mask[0].tolist() == [True, False, False, False, False]   # the first position
    assert causal_mask(1).tolist() == [[True]]
    # the one conversion to torch's convention gives torch's own causal mask
    expected = nn.Transformer.generate_square_subsequent_mask(5) == float("-inf")
    assert torch.equal(to_torch(mask), expected)


@pytest.mark.parametrize("size", [0, -1, 2.0, True])
def test_causal_mask_bad_size(size):
    with pytest.raises(ValueError, match="size must be a positive integer"):
        causal_mask(size)


# --------------------------------------------------------------------------- the decoder layer


@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("activation", ["relu", "gelu"])
def test_decoder_layer_matches_torch_with_causal_mask_and_padding(norm_first, activation):
    reference = torch_decoder_layer(activation, norm_first)
    layer = TransformerDecoderLayer.from_torch(reference)
    assert not layer.training
    tgt, memory = rand(3, 6, 32, seed=1), rand(3, 5, 32, seed=2)
    with torch.no_grad():
        ours, self_w, cross_w = layer(tgt, memory, causal_mask(6) & key_mask(TGT_TOKENS),
                                      key_mask(SRC_TOKENS))
        theirs = reference(tgt, memory, tgt_mask=to_torch(causal_mask(6)),
                           tgt_key_padding_mask=to_torch(TGT_TOKENS),
                           memory_key_padding_mask=to_torch(SRC_TOKENS))
    torch.testing.assert_close(ours, theirs, atol=1e-5, rtol=0)
    assert self_w.shape == (3, 4, 6, 6) and cross_w.shape == (3, 4, 6, 5)
    assert torch.all(self_w.triu(1) == 0)                         # never a later position
    assert torch.all(cross_w[1, :, :, 3:] == 0) and torch.all(cross_w[2, :, :, 1:] == 0)


def test_decoder_layer_fully_padded_target_row_gives_no_nan():
    # a row whose every target position is padding: every self-attention row is empty
    reference = torch_decoder_layer()
    layer = TransformerDecoderLayer.from_torch(reference)
    tgt, memory = rand(2, 4, 32, seed=3), rand(2, 3, 32, seed=4)
    tgt_tokens = torch.tensor([[True, True, True, False], [False] * 4])
    with torch.no_grad():
        ours, self_w, _ = layer(tgt, memory, causal_mask(4) & key_mask(tgt_tokens))
        theirs = reference(tgt, memory, tgt_mask=to_torch(causal_mask(4)),
                           tgt_key_padding_mask=to_torch(tgt_tokens))
    assert torch.isfinite(ours).all()
    assert torch.all(self_w[1] == 0)                              # attends to nothing
    assert torch.isnan(theirs[1]).all()                           # where torch gives NaN
    torch.testing.assert_close(ours[0], theirs[0], atol=1e-5, rtol=0)


def test_decoder_layer_is_causal_and_first_position_sees_only_itself():
    layer = TransformerDecoderLayer(16, 2, 32, dropout=0.0).eval()
    tgt, memory = rand(1, 5, 16, seed=5), rand(1, 3, 16, seed=6)
    changed = tgt.clone()
    changed[:, 3:] = rand(1, 2, 16, seed=7)                       # change the future
    with torch.no_grad():
        out, self_w, _ = layer(tgt, memory, causal_mask(5))
        out_changed, _, _ = layer(changed, memory, causal_mask(5))
        first_alone, _, _ = layer(tgt[:, :1], memory, causal_mask(1))
    torch.testing.assert_close(out[:, :3], out_changed[:, :3])
    assert not torch.allclose(out[:, 3:], out_changed[:, 3:])
    assert torch.all(self_w[0, :, 0] == torch.tensor([1.0, 0, 0, 0, 0]))
    torch.testing.assert_close(out[:, :1], first_alone, atol=1e-6, rtol=0)


def test_decoder_layer_bad_inputs():
    layer = TransformerDecoderLayer(16, 2, 32)
    tgt, memory = rand(2, 4, 16), rand(2, 3, 16)
    with pytest.raises(ValueError, match=r"tgt must have shape \(batch, T_tgt, d_model=16\)"):
        layer(rand(2, 4, 8), memory)
    with pytest.raises(ValueError, match=r"memory must have shape \(batch, T_src, d_model=16\)"):
        layer(tgt, rand(3, 16))
    with pytest.raises(ValueError, match="same batch size"):
        layer(tgt, rand(3, 3, 16))
    with pytest.raises(TypeError, match="tgt_mask must be a torch.bool tensor"):
        layer(tgt, memory, tgt_mask=causal_mask(4).float())
    with pytest.raises(ValueError, match=r"tgt_mask of shape \(5, 5\) does not broadcast"):
        layer(tgt, memory, tgt_mask=causal_mask(5))
    with pytest.raises(ValueError, match=r"memory_mask of shape \(2, 1, 4\) does not broadcast"):
        layer(tgt, memory, memory_mask=torch.ones(2, 1, 4, dtype=torch.bool))
    with pytest.raises(TypeError, match="tgt must be a torch.Tensor"):
        layer([1.0], memory)


def test_decoder_from_torch_refuses_what_it_cannot_copy():
    with pytest.raises(TypeError, match="expected an nn.TransformerDecoderLayer"):
        TransformerDecoderLayer.from_torch(nn.Linear(2, 2))
    with pytest.raises(ValueError, match="batch_first=True"):
        TransformerDecoderLayer.from_torch(nn.TransformerDecoderLayer(8, 2, 16))
    with pytest.raises(ValueError, match="unsupported activation"):
        TransformerDecoderLayer.from_torch(
            nn.TransformerDecoderLayer(8, 2, 16, activation=torch.tanh, batch_first=True))
    with pytest.raises(TypeError, match="expected an nn.TransformerDecoder"):
        TransformerDecoder.from_torch(torch_decoder_layer())


# --------------------------------------------------------------------------- the stacks


@pytest.mark.parametrize("norm_first", [False, True])
def test_decoder_stack_matches_torch(norm_first):
    layer = torch_decoder_layer("gelu", norm_first)
    reference = nn.TransformerDecoder(layer, num_layers=3, norm=nn.LayerNorm(32)).eval()
    decoder = TransformerDecoder.from_torch(reference)
    tgt, memory = rand(3, 6, 32, seed=8), rand(3, 5, 32, seed=9)
    with torch.no_grad():
        ours, self_w, cross_w = decoder(tgt, memory, causal_mask(6) & key_mask(TGT_TOKENS),
                                        key_mask(SRC_TOKENS), need_weights=True)
        theirs = reference(tgt, memory, tgt_mask=to_torch(causal_mask(6)),
                           tgt_key_padding_mask=to_torch(TGT_TOKENS),
                           memory_key_padding_mask=to_torch(SRC_TOKENS))
    torch.testing.assert_close(ours, theirs, atol=1e-5, rtol=0)
    assert self_w.shape == (3, 3, 4, 6, 6) and cross_w.shape == (3, 3, 4, 6, 5)


@pytest.mark.parametrize("norm_first", [False, True])
def test_encoder_decoder_stack_matches_nn_transformer_on_embedded_inputs(norm_first):
    torch.manual_seed(0)
    reference = nn.Transformer(32, 4, num_encoder_layers=2, num_decoder_layers=2,
                               dim_feedforward=64, norm_first=norm_first,
                               batch_first=True).eval()
    encoder = TransformerEncoder.from_torch(reference.encoder)
    decoder = TransformerDecoder.from_torch(reference.decoder)
    src, tgt = rand(3, 5, 32, seed=10), rand(3, 6, 32, seed=11)
    with torch.no_grad():
        memory = encoder(src, mask=key_mask(SRC_TOKENS))
        ours = decoder(tgt, memory, causal_mask(6) & key_mask(TGT_TOKENS), key_mask(SRC_TOKENS))
        theirs = reference(src, tgt, tgt_mask=to_torch(causal_mask(6)),
                           src_key_padding_mask=to_torch(SRC_TOKENS),
                           tgt_key_padding_mask=to_torch(TGT_TOKENS),
                           memory_key_padding_mask=to_torch(SRC_TOKENS))
    torch.testing.assert_close(ours, theirs, atol=1e-5, rtol=0)


def test_decoder_stack_bad_num_layers():
    with pytest.raises(ValueError, match="num_layers must be >= 1"):
        TransformerDecoder(0, 16, 2, 32)


# --------------------------------------------------------------------------- the Transformer


def small_transformer(seed=0, **kwargs):
    torch.manual_seed(seed)
    options = dict(d_model=32, num_heads=4, num_layers=2, d_ff=64, dropout=0.1, max_len=40)
    options.update(kwargs)
    return Transformer(11, 13, **options).eval()


def test_transformer_shapes_tied_embeddings_and_causality():
    model = small_transformer()
    assert model.output.weight is not model.tgt_embedding.weight  # untied by default
    tied = small_transformer(tie_embeddings=True)
    assert tied.output.weight is tied.tgt_embedding.weight
    assert sum(p.numel() for p in tied.parameters()) == (
        sum(p.numel() for p in model.parameters()) - 13 * 32)    # one (vocab, d_model) fewer
    src = torch.randint(3, 11, (3, 5), generator=torch.Generator().manual_seed(0))
    lengths = torch.tensor([5, 3, 1])
    tgt_in = torch.randint(3, 13, (3, 6), generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        logits = model(src, lengths, tgt_in)
        changed = tgt_in.clone()
        changed[:, 4:] = 3
        logits_changed = model(src, lengths, changed)
        padded_src = src.clone()
        padded_src[1, 3:] = 7                                     # what padding holds
        logits_padded = model(padded_src, lengths, tgt_in)
    assert logits.shape == (3, 6, 13)
    torch.testing.assert_close(logits[:, :4], logits_changed[:, :4])
    torch.testing.assert_close(logits, logits_padded, atol=1e-6, rtol=0)


def test_transformer_bad_source():
    model = small_transformer()
    with pytest.raises(TypeError, match="src must be an integer tensor"):
        model(torch.zeros(2, 3), torch.tensor([3, 3]), torch.zeros(2, 2, dtype=torch.long))
    with pytest.raises(ValueError, match="longer than the model's max_src_len=40"):
        model.encode(torch.zeros(1, 41, dtype=torch.long), torch.tensor([41]))
    with pytest.raises(ValueError, match="src_lengths value in 1..src_len=3"):
        model.encode(torch.zeros(2, 3, dtype=torch.long), torch.tensor([3, 0]))
    with pytest.raises(ValueError, match=r"src_lengths must have shape \(batch,\)"):
        model.encode(torch.zeros(2, 3, dtype=torch.long), torch.tensor([[3, 3]]))


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("length", [1, 5, 12])
def test_kv_cache_gives_the_same_logits_at_every_step(seed, length):
    model = small_transformer(seed, norm_first=seed % 2 == 0)
    generator = torch.Generator().manual_seed(seed)
    src = torch.randint(3, 11, (4, 7), generator=generator)
    lengths = torch.tensor([7, 4, 1, 6])                          # padded sources
    tgt = torch.randint(3, 13, (4, length), generator=generator)
    with torch.no_grad():
        memory, memory_mask = model.encode(src, lengths)
        full = model.decode(tgt, memory, memory_mask)             # (4, length, 13)
        cache = KVCache(len(model.decoder.layers))
        for t in range(length):
            step = model.decode(tgt[:, t:t + 1], memory, memory_mask, cache, start=t)
            torch.testing.assert_close(step[:, 0], full[:, t], atol=1e-5, rtol=0)
            assert len(cache) == t + 1
            for key, value in zip(cache.keys, cache.values):     # one key per position so far
                assert key.shape == (4, 4, t + 1, 8)
                assert value.shape == (4, 4, t + 1, 8)


def test_kv_cache_prefill_then_steps():
    model = small_transformer(3)
    src, lengths = torch.randint(3, 11, (2, 5)), torch.tensor([5, 2])
    tgt = torch.randint(3, 13, (2, 7))
    with torch.no_grad():
        memory, memory_mask = model.encode(src, lengths)
        full = model.decode(tgt, memory, memory_mask)
        cache = KVCache(len(model.decoder.layers))
        prefill = model.decode(tgt[:, :4], memory, memory_mask, cache)  # 4 positions at once
        rest = model.decode(tgt[:, 4:], memory, memory_mask, cache, start=4)
    torch.testing.assert_close(torch.cat([prefill, rest], 1), full, atol=1e-5, rtol=0)


# --------------------------------------------------------------------------- KVCache


def test_kv_cache_update_appends_along_time_and_returns_everything():
    cache = KVCache(2)
    assert len(cache) == 0 and cache.length(1) == 0 and cache.keys == [None, None]
    k1, v1 = rand(3, 2, 4, 5, seed=1), rand(3, 2, 4, 5, seed=2)      # a prefill of 4
    key, value = cache.update(0, k1, v1)
    assert torch.equal(key, k1) and torch.equal(value, v1)
    assert len(cache) == 4 and cache.length(1) == 0                 # layer 1 not yet
    k2, v2 = rand(3, 2, 1, 5, seed=3), rand(3, 2, 1, 5, seed=4)      # one more position
    key, value = cache.update(0, k2, v2)
    assert key.shape == value.shape == (3, 2, 5, 5)                 # (batch, heads, T, d_k)
    assert torch.equal(key, torch.cat([k1, k2], dim=2))
    assert torch.equal(value, torch.cat([v1, v2], dim=2))
    assert torch.equal(cache.keys[0], key) and torch.equal(cache.values[0], value)
    assert len(cache) == 5 and cache.keys[1] is None


def test_kv_cache_reorder_picks_rows_of_every_layer_into_a_new_cache():
    cache = KVCache(3)
    keys = [torch.arange(3.0).view(3, 1, 1, 1).expand(3, 2, 4, 5) + 10 * i for i in range(2)]
    for i, key in enumerate(keys):                                  # layer 2 stays empty
        cache.update(i, key, -key)
    index = torch.tensor([2, 2, 0, 1])
    picked = cache.reorder(index)
    assert isinstance(picked, KVCache) and picked is not cache
    assert len(picked) == len(cache) == 4                           # positions, not rows
    for i, key in enumerate(keys):
        assert torch.equal(picked.keys[i], key[index])              # (4, 2, 4, 5)
        assert torch.equal(picked.values[i], -key[index])
    assert picked.keys[2] is None and picked.values[2] is None
    assert cache.keys[0].shape[0] == 3                              # the old one unchanged


def test_kv_cache_bad_layer_or_shapes_raise():
    with pytest.raises(ValueError, match="num_layers must be >= 1"):
        KVCache(0)
    cache = KVCache(2)
    key = rand(1, 2, 3, 4)
    with pytest.raises(ValueError, match=r"layer must be in 0\.\.1 \(a cache of 2 layers\), got 2"):
        cache.update(2, key, key)
    with pytest.raises(TypeError, match="layer must be an int"):
        cache.update(True, key, key)
    with pytest.raises(ValueError, match=r"\(batch, num_kv_heads, T_new, d_k\)"):
        cache.update(0, key[0], key[0])
    with pytest.raises(ValueError, match="key and value must have the same shape"):
        cache.update(0, key, key[..., :3])
    cache.update(0, key, key)
    with pytest.raises(ValueError, match=r"must match them in all but T \(dim 2\)"):
        cache.update(0, rand(1, 3, 1, 4), rand(1, 3, 1, 4))        # 3 heads, not 2
    assert len(cache) == 3                                          # nothing appended


def test_decoder_layer_with_a_cache_updates_its_own_layer_only():
    model = small_transformer(4)
    layer = model.decoder.layers[0]
    tgt, memory = rand(2, 3, 32, seed=1), rand(2, 5, 32, seed=2)
    cache = KVCache(3)
    with torch.no_grad():
        out, self_w, cross_w = layer(tgt, memory, causal_mask(3), None, cache, layer=2)
        expected = layer(tgt, memory, causal_mask(3))
    assert cache.keys[0] is None and cache.length(2) == 3
    assert self_w.shape == (2, 4, 3, 3) and cross_w.shape == (2, 4, 3, 5)
    for ours, theirs in zip((out, self_w, cross_w), expected):
        torch.testing.assert_close(ours, theirs, atol=1e-5, rtol=0)
