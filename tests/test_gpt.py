"""Chapter 8's GPT: the architecture is exactly GPT-2's (same logits as transformers'
GPT2LMHeadModel on the same weights, with and without the KV cache), the published-weights path
reads a safetensors file with GPT-2's names and shapes, and bad input raises clear errors."""

from __future__ import annotations

import json

import pytest
import torch
from safetensors.torch import save_file

from attnbook.generation import greedy_search, sample
from attnbook.gpt import GPT, GPT2_BLOCK_NAMES, gpt2_name_table
from attnbook.gpt2_weights import (
    GPT2_REPO,
    GPT2_REVISION,
    GPT2_SHA256,
    build_gpt2,
    gpt2_arguments,
    gpt2_tensors,
    load_gpt2,
)
from attnbook.hub import PretrainedModelError, file_sha256
from attnbook.lm import gpt_step
from attnbook.transformer import KVCache

transformers = pytest.importorskip("transformers")

# initializer_range=0.1, not GPT-2's 0.02: with weights that small the GELU's inputs stay
# near 0, where the exact GELU and GPT-2's tanh one agree to ~1e-6, and the same-logits
# tests at 1e-5 could not tell them apart (test_the_checks_catch_the_exact_gelu).
SMALL = dict(vocab_size=97, n_positions=32, n_embd=48, n_layer=3, n_head=4,
             initializer_range=0.1)


def small_gpt2(seed: int = 0, **overrides):
    torch.manual_seed(seed)
    config = transformers.GPT2Config(**(SMALL | overrides), bos_token_id=0, eos_token_id=0)
    model = transformers.GPT2LMHeadModel(config).eval()
    with torch.no_grad():  # non-trivial LayerNorms and biases, so that a mix-up shows
        for name, parameter in model.named_parameters():
            if "ln" in name or name.endswith("bias"):
                parameter.add_(0.1 * torch.randn_like(parameter))
    return model


def ids(batch=2, T=20, vocab=97, seed=1):
    return torch.randint(0, vocab, (batch, T), generator=torch.Generator().manual_seed(seed))


def test_from_gpt2_gives_the_same_logits():
    gpt2 = small_gpt2()
    ours = GPT.from_gpt2(gpt2)
    input_ids = ids()
    with torch.no_grad():
        expected = gpt2(input_ids).logits
        logits = ours(input_ids)
    assert logits.shape == (2, 20, 97)
    torch.testing.assert_close(logits, expected, atol=1e-5, rtol=0)


def test_the_checks_catch_the_exact_gelu():
    """A model with the exact (erf) GELU instead of GPT-2's tanh one fails the 1e-5
    comparison by a wide margin, with and without the cache."""
    gpt2 = small_gpt2()
    ours = GPT.from_gpt2(gpt2)
    for block in ours.blocks:
        assert isinstance(block.feed_forward[1], torch.nn.GELU)
        assert block.feed_forward[1].approximate == "tanh"
        block.feed_forward[1] = torch.nn.GELU()                    # the exact GELU
    input_ids = ids()
    with torch.no_grad():
        expected = gpt2(input_ids).logits
        gap = (ours(input_ids) - expected).abs().max().item()
        cache = KVCache(3)
        logits, _ = ours.step(input_ids[:, :5], cache)
        pieces = [logits]
        for t in range(5, 20):
            logits, _ = ours.step(input_ids[:, t:t + 1], cache)
            pieces.append(logits)
        cached_gap = (torch.cat(pieces, dim=1) - expected).abs().max().item()
    assert min(gap, cached_gap) > 1e-4, (gap, cached_gap)       # 10 times the tolerance


def test_the_copy_has_gpt2s_parameters_and_tied_output():
    gpt2 = small_gpt2()
    ours = GPT.from_gpt2(gpt2)
    count = sum(p.numel() for p in ours.parameters())
    assert count == sum(p.numel() for p in gpt2.parameters())   # tied head counted once
    assert not ours.training
    assert len(gpt2_name_table(3)) == 4 + 3 * 2 * len(GPT2_BLOCK_NAMES)


@pytest.mark.parametrize("variant", [dict(), dict(n_inner=40), dict(layer_norm_epsilon=1e-3)])
def test_config_variants(variant):
    gpt2 = small_gpt2(seed=3, **variant)
    input_ids = ids(T=9, seed=4)
    with torch.no_grad():
        torch.testing.assert_close(GPT.from_gpt2(gpt2)(input_ids), gpt2(input_ids).logits,
                                   atol=1e-5, rtol=0)


def test_kv_cache_gives_the_same_logits_as_gpt2():
    gpt2 = small_gpt2(seed=2)
    ours = GPT.from_gpt2(gpt2)
    input_ids = ids(T=16, seed=5)
    with torch.no_grad():
        expected = gpt2(input_ids).logits
        cache = KVCache(3)
        logits, _ = ours.step(input_ids[:, :5], cache)             # a prompt of 5 tokens
        pieces = [logits]
        for t in range(5, 16):                                     # then one token at a time
            logits, weights = ours.step(input_ids[:, t:t + 1], cache)
            pieces.append(logits)
        assert weights.shape == (2, 3, 4, 1, 16)
        assert len(cache) == 16
        assert all(k.shape == v.shape == (2, 4, 16, 12) for k, v in zip(cache.keys, cache.values))
    torch.testing.assert_close(torch.cat(pieces, dim=1), expected, atol=1e-5, rtol=0)


def test_generation_with_and_without_cache_agree_with_gpt2_greedy():
    gpt2 = small_gpt2(seed=6)
    ours = GPT.from_gpt2(gpt2)
    prompt = ids(batch=1, T=4, seed=7)
    with torch.no_grad():
        step, state = gpt_step(ours, prompt)
        cached, _ = greedy_search(step, state, 1, int(prompt[0, -1]), 97, 10)
        step, state = gpt_step(ours, prompt, use_cache=False)
        recomputed, _ = greedy_search(step, state, 1, int(prompt[0, -1]), 97, 10)
        expected = gpt2.generate(prompt, max_new_tokens=10, do_sample=False,
                                 pad_token_id=0)[:, 4:]
    assert torch.equal(cached, recomputed)
    assert torch.equal(cached, expected)


def test_sliding_context_generation_goes_past_the_learned_positions():
    ours = GPT.from_gpt2(small_gpt2())                     # 32 learned positions
    prompt = ids(batch=1, T=3)
    with torch.no_grad():
        step, state = gpt_step(ours, prompt, use_cache=False, context=32)
        tokens, _ = greedy_search(step, state, 1, int(prompt[0, -1]), 97, 50)
        assert tokens.shape == (1, 50)
        # while the text fits, the sliding window changes nothing
        step, state = gpt_step(ours, prompt)
        cached, _ = greedy_search(step, state, 1, int(prompt[0, -1]), 97, 29)
    assert torch.equal(tokens[:, :29], cached)
    with pytest.raises(ValueError, match="needs use_cache=False"):
        gpt_step(ours, prompt, context=8)
    with pytest.raises(ValueError, match="context must be a positive integer"):
        gpt_step(ours, prompt, use_cache=False, context=0)


def test_seeded_sampling_is_reproducible():
    ours = GPT.from_gpt2(small_gpt2())
    prompt = ids(batch=1, T=3)
    with torch.no_grad():
        draws = []
        for _ in range(2):
            step, state = gpt_step(ours, prompt)
            tokens, _ = sample(step, state, 1, int(prompt[0, -1]), 97, 8, temperature=0.8,
                               top_k=10, generator=torch.Generator().manual_seed(0))
            draws.append(tokens)
    assert torch.equal(draws[0], draws[1]) and draws[0].shape == (1, 8)


def test_rotary_gqa_window_model_cache_matches_full_forward():
    torch.manual_seed(0)
    model = GPT(vocab_size=30, d_model=32, num_layers=2, num_heads=4, d_ff=64, num_kv_heads=2,
                rotary=True, window=5).eval()
    assert model.position is None
    input_ids = ids(T=12, vocab=30)
    with torch.no_grad():
        full = model(input_ids)
        cache = KVCache(2)
        logits, _ = model.step(input_ids[:, :3], cache)
        pieces = [logits]
        for t in range(3, 12):
            logits, _ = model.step(input_ids[:, t:t + 1], cache)
            pieces.append(logits)
        assert cache.keys[1].shape == (2, 2, 12, 8)                # num_kv_heads = 2
        assert cache.values[1].shape == (2, 2, 12, 8)
    torch.testing.assert_close(torch.cat(pieces, 1), full, atol=1e-5, rtol=0)
    # A window of 5 in 2 layers: position 11 sees back to 11 - 2 * 4 = 3, not to 2.
    changed = input_ids.clone()
    changed[:, 2] = (changed[:, 2] + 1) % 30
    with torch.no_grad():
        other = model(changed)
    torch.testing.assert_close(other[:, 11], full[:, 11], atol=1e-6, rtol=0)
    assert not torch.allclose(other[:, 10], full[:, 10])


def test_return_orders_are_output_then_weights_and_the_cache_is_updated_in_place():
    from attnbook.gpt import CausalSelfAttention, DecoderBlock

    torch.manual_seed(0)
    x = torch.randn(2, 5, 32)
    attention = CausalSelfAttention(32, 4, num_kv_heads=2).eval()
    block = DecoderBlock(32, 4, 64, num_kv_heads=2).eval()
    model = GPT(30, d_model=32, num_layers=2, num_heads=4, d_ff=64, num_kv_heads=2).eval()
    cache = KVCache(2)
    with torch.no_grad():
        out = attention(x)
        assert len(out) == 2 and out[0].shape == (2, 5, 32) and out[1].shape == (2, 4, 5, 5)
        out = attention(x, cache, layer=1)
        assert len(out) == 2 and out[1].shape == (2, 4, 5, 5)
        assert cache.keys[0] is None and cache.keys[1].shape == (2, 2, 5, 8)
        out = block(x[:, :1], cache, layer=1)
        assert len(out) == 2 and out[0].shape == (2, 1, 32) and out[1].shape == (2, 4, 1, 6)
        assert cache.length(1) == 6
        out = model.step(torch.zeros(2, 3, dtype=torch.long))
        assert len(out) == 2 and out[0].shape == (2, 3, 30)
        assert out[1].shape == (2, 2, 4, 3, 3)                     # (batch, L, heads, T, T)
        cache = KVCache(2)
        logits, weights = model.step(torch.zeros(2, 3, dtype=torch.long), cache)
        assert len(cache) == 3 and weights.shape == (2, 2, 4, 3, 3)
        logits, weights = model.step(torch.zeros(2, 1, dtype=torch.long), cache)
        assert len(cache) == 4 and logits.shape == (2, 1, 30)
        assert weights.shape == (2, 2, 4, 1, 4)


def test_cached_beam_search_equals_recomputation_with_grouped_heads():
    """Beam search reorders the KVCache (reorder_state -> KVCache.reorder) by rows."""
    from attnbook.generation import beam_search

    torch.manual_seed(0)
    model = GPT(30, d_model=32, num_layers=2, num_heads=4, d_ff=64, num_kv_heads=2,
                rotary=True).eval()
    prompt = ids(batch=3, T=4, vocab=30, seed=3)
    prompt[:, -1] = 1                                              # the same last token
    with torch.no_grad():
        results = [beam_search(*gpt_step(model, prompt, use_cache=use_cache), 3, 1, 0, 8,
                               beam_size=3) for use_cache in (True, False)]
    assert torch.equal(results[0][0], results[1][0])
    torch.testing.assert_close(results[0][1], results[1][1], atol=1e-5, rtol=0)


def test_from_gpt2_is_a_class_method_in_gpts_body():
    assert "from_gpt2" in vars(GPT) and isinstance(vars(GPT)["from_gpt2"], classmethod)


def test_causal_the_past_does_not_see_the_future():
    ours = GPT.from_gpt2(small_gpt2())
    input_ids = ids(T=10)
    changed = input_ids.clone()
    changed[:, 7] = (changed[:, 7] + 1) % 97
    with torch.no_grad():
        a, b = ours(input_ids), ours(changed)
    torch.testing.assert_close(a[:, :7], b[:, :7], atol=0, rtol=0)
    assert not torch.allclose(a[:, 7], b[:, 7])


def gpt2_file(tmp_path, gpt2):
    """Write what the published model.safetensors holds: GPT-2's names without the
    'transformer.' prefix, Conv1D weights as (in, out), the causal-mask buffers, no lm_head."""
    state = {name.removeprefix("transformer."): tensor.clone().contiguous()
             for name, tensor in gpt2.state_dict().items() if name != "lm_head.weight"}
    n = gpt2.config.n_positions
    for i in range(gpt2.config.n_layer):
        state[f"h.{i}.attn.bias"] = torch.tril(torch.ones(n, n)).view(1, 1, n, n)
    path = tmp_path / "model.safetensors"
    save_file(state, str(path))
    (tmp_path / "config.json").write_text(json.dumps(gpt2.config.to_dict()))
    return path


def test_load_gpt2_reads_a_file_with_gpt2s_names_and_checks_its_hash(tmp_path):
    gpt2 = small_gpt2(seed=8)
    path = gpt2_file(tmp_path, gpt2)
    model = load_gpt2(GPT, gpt2_name_table, path, sha256=file_sha256(path))
    assert isinstance(model, GPT) and not model.training
    input_ids = ids(T=11, seed=9)
    with torch.no_grad():
        torch.testing.assert_close(model(input_ids), gpt2(input_ids).logits, atol=1e-5, rtol=0)
    with pytest.raises(PretrainedModelError, match="SHA-256 mismatch"):
        load_gpt2(GPT, gpt2_name_table, path)            # the published hash: not this file


def test_build_gpt2_refuses_unknown_missing_and_misshaped_weights():
    gpt2 = small_gpt2()
    state = {name.removeprefix("transformer."): tensor            # the file's names and layout
             for name, tensor in gpt2.state_dict().items() if name != "lm_head.weight"}
    config = gpt2.config.to_dict()
    for broken, message in (
        (state | {"h.0.attn.extra": torch.zeros(2)}, "unknown weight names"),
        ({k: v for k, v in state.items() if k != "h.1.ln_2.bias"}, "missing from the file"),
        (state | {"h.2.mlp.c_fc.bias": torch.zeros(5)}, "shape mismatch"),
        (state | {"h.0.attn.c_proj.weight": torch.zeros(48, 47)}, "shape mismatch"),
    ):
        with pytest.raises(PretrainedModelError, match=message):
            build_gpt2(GPT, config, broken, gpt2_name_table)
    assert isinstance(build_gpt2(GPT, config, state, gpt2_name_table), GPT)


@pytest.mark.parametrize("change, message", [
    (dict(activation_function="relu"), "activation_function='gelu_new'"),
    (dict(scale_attn_by_inverse_layer_idx=True), "scale_attn_by_inverse_layer_idx"),
    (dict(n_embd=None), "without the keys"),
])
def test_gpt2_arguments_refuses_what_the_model_lacks(change, message):
    config = transformers.GPT2Config(**SMALL).to_dict() | change
    if change.get("n_embd", 0) is None:
        del config["n_embd"]
    with pytest.raises(PretrainedModelError, match=message):
        gpt2_arguments(config)


def test_untied_head_is_refused():
    gpt2 = small_gpt2()
    state = dict(gpt2.state_dict())
    state["lm_head.weight"] = state["lm_head.weight"] + 1
    with pytest.raises(PretrainedModelError, match="ties the output layer"):
        gpt2_tensors(state)


def test_published_checkpoint_is_pinned():
    assert GPT2_REPO == "openai-community/gpt2"
    assert len(GPT2_REVISION) == 40 and len(GPT2_SHA256) == 64


@pytest.mark.parametrize("bad, error, message", [
    (torch.zeros(2, 5), TypeError, "int64"),
    (torch.zeros(5, dtype=torch.long), ValueError, r"\(batch, seq_len\)"),
    (torch.zeros(2, 0, dtype=torch.long), ValueError, "seq_len >= 1"),
    (torch.full((1, 3), 97), ValueError, r"\[0, 97\)"),
    (torch.zeros(1, 33, dtype=torch.long), ValueError, "exceed the 32 learned positions"),
])
def test_bad_input_ids_raise(bad, error, message):
    ours = GPT.from_gpt2(small_gpt2())
    with pytest.raises(error, match=message):
        ours(bad)


def test_bad_head_counts_raise():
    with pytest.raises(ValueError, match="divisible by num_heads"):
        GPT(10, d_model=30, num_layers=1, num_heads=4, d_ff=8)
    with pytest.raises(ValueError, match="must divide num_heads"):
        GPT(10, d_model=32, num_layers=1, num_heads=4, d_ff=8, num_kv_heads=3)
    with pytest.raises(ValueError, match="num_kv_heads must be a positive integer"):
        GPT(10, d_model=32, num_layers=1, num_heads=4, d_ff=8, num_kv_heads=0)


def test_tiny_shakespeare_is_fetched_verified_and_read(tmp_path, monkeypatch):
    from attnbook import data
    from attnbook.lm import CharVocab

    text = data.load_shakespeare()                     # the offline mirror (ATTNBOOK_DATA)
    assert len(text) == 1_115_394 and text.startswith("First Citizen:")
    assert data.DATA_FILES[data.SHAKESPEARE_FILE].sha256.startswith("86c4e6aa")
    assert "karpathy/char-rnn/6f9487a" in data.DATA_FILES[data.SHAKESPEARE_FILE].url
    vocab = CharVocab(text)
    assert len(vocab) == 65 and vocab.decode(vocab.encode("ROMEO:\n")) == "ROMEO:\n"
    (tmp_path / data.SHAKESPEARE_FILE).write_text("not Shakespeare")
    monkeypatch.setenv(data.DATA_ENV_VAR, str(tmp_path))
    with pytest.raises(data.DataFileError, match="SHA-256"):
        data.load_shakespeare()
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    with pytest.raises(data.DataFileError, match="empty"):
        data.load_shakespeare(empty)
    with pytest.raises(ValueError, match="not in the vocabulary"):
        vocab.encode("€")
