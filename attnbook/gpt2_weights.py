"""GPT-2 weights for chapter 8's ``GPT`` (hand-written plumbing around the chapter's
name table).

What the chapter teaches, the table from GPT-2's weight names to ours
(:func:`attnbook.gpt.gpt2_name_table`) and ``GPT.from_gpt2``, is on the page. This
module holds what it does not teach, and does not import :mod:`attnbook.gpt`: the
functions that build a model take its class and its name table as arguments.

- :func:`gpt2_arguments`: a Hugging Face ``GPT2Config`` (as a dict) -> ``GPT``
  arguments, refusing the options the course model does not have;
- :func:`gpt2_tensors`: a GPT-2 state dict or ``model.safetensors`` -> tensors under the
  names of the table, ``Conv1D``'s ``(in, out)`` weights transposed to ``nn.Linear``'s
  ``(out, in)``;
- :func:`build_gpt2`: a model of the class it is given (``GPT``) filled through the name
  table it is given by chapter 6's ``copy_weights``;
- :func:`load_gpt2`: the published GPT-2 small weights for readers who are online,
  downloaded through ``huggingface_hub`` at a pinned revision and verified by SHA-256.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import torch
from torch import Tensor

from attnbook.hub import PretrainedModelError, copy_weights, read_weights

GPT2_REPO = "openai-community/gpt2"
"""The Hugging Face repository of GPT-2 small (124M parameters, Radford et al. 2019)."""

GPT2_REVISION = "607a30d783dfa663caf39e06633721c8d4cfcd7e"
"""The commit of :data:`GPT2_REPO` whose files :data:`GPT2_SHA256` describes."""

GPT2_SHA256 = "248dfc3911869ec493c76e65bf2fcf7f615828b0254c12b473182f0f81d3a707"
"""SHA-256 of ``model.safetensors`` at :data:`GPT2_REVISION` (548,105,171 bytes)."""

CONV1D_LAYERS = ("attn.c_attn", "attn.c_proj", "mlp.c_fc", "mlp.c_proj")
"""GPT-2's layers stored as ``Conv1D``: a weight of shape ``(in, out)``, the transpose
of ``nn.Linear``'s ``(out, in)``."""

BUFFER_SUFFIXES = (".attn.bias", ".attn.masked_bias")
"""Names in GPT-2 files that are not weights: the causal mask (a lower-triangular
buffer) and the value that filled its blocked entries; ``GPT`` builds its mask with
``sliding_window_mask``."""

CONFIG_NAMES = {
    # GPT2Config        ->  GPT argument
    "vocab_size": "vocab_size",
    "n_embd": "d_model",
    "n_layer": "num_layers",
    "n_head": "num_heads",
    "n_positions": "max_len",
    "layer_norm_epsilon": "layer_norm_eps",
}
"""GPT2Config key -> ``GPT`` argument (``n_inner``, ``None`` meaning ``4 * n_embd``,
gives ``d_ff``)."""

REQUIRED_CONFIG = {
    "activation_function": "gelu_new",          # the tanh approximation of GELU
    "scale_attn_weights": True,                 # scores divided by sqrt(d_k)
    "scale_attn_by_inverse_layer_idx": False,
    "reorder_and_upcast_attn": False,
    "add_cross_attention": False,
}
"""Options GPT-2 small has and the course model implements; other values are refused."""


def gpt2_arguments(config: dict) -> dict:
    """The ``GPT`` arguments of a GPT-2 configuration (``GPT2Config.to_dict()`` or the
    file ``config.json``).

    Raises:
        PretrainedModelError: a key of :data:`CONFIG_NAMES` is missing, or an option
            differs from :data:`REQUIRED_CONFIG` (the message names it).
    """
    missing = [key for key in CONFIG_NAMES if key not in config]
    if missing:
        raise PretrainedModelError(f"GPT-2 configuration without the keys {missing}")
    for key, value in REQUIRED_CONFIG.items():
        if config.get(key, value) != value:
            raise PretrainedModelError(f"the course GPT needs {key}={value!r}, the "
                                       f"configuration has {config[key]!r}")
    arguments = {ours: config[theirs] for theirs, ours in CONFIG_NAMES.items()}
    arguments["d_ff"] = config.get("n_inner") or 4 * config["n_embd"]
    return arguments


def gpt2_tensors(state: dict[str, Tensor]) -> dict[str, Tensor]:
    """GPT-2's tensors under the names of ``gpt2_name_table``, in ``nn.Linear`` layout.

    Accepts a ``GPT2LMHeadModel`` state dict (names start with ``transformer.``, the
    tied ``lm_head.weight`` included) as well as the published ``model.safetensors`` (no
    prefix, the causal-mask buffers included). Drops the buffers of
    :data:`BUFFER_SUFFIXES` and the tied ``lm_head.weight``, and transposes the weights
    of :data:`CONV1D_LAYERS`.

    Raises:
        PretrainedModelError: ``lm_head.weight`` is present but differs from
            ``wte.weight`` (the course model ties the output layer to the embedding).
    """
    tensors = {name.removeprefix("transformer."): t for name, t in state.items()}
    head, embedding = tensors.pop("lm_head.weight", None), tensors.get("wte.weight")
    if head is not None and embedding is not None and not torch.equal(head, embedding):
        raise PretrainedModelError("lm_head.weight differs from wte.weight: the course "
                                   "GPT ties the output layer to the token embedding")
    tensors = {name: t for name, t in tensors.items()
               if not name.endswith(BUFFER_SUFFIXES)}
    for name, tensor in tensors.items():
        if name.endswith(".weight") and name.rsplit(".", 1)[0].endswith(CONV1D_LAYERS):
            tensors[name] = tensor.t().contiguous()   # Conv1D (in, out) -> (out, in)
    return tensors


def build_gpt2(cls, config: dict, tensors: dict[str, Tensor],
               name_table: Callable[[int], dict[str, str]]):
    """A ``cls`` (chapter 8's ``GPT``) in eval mode with GPT-2's weights.

    ``config`` is a GPT2Config as a dict (:func:`gpt2_arguments`), ``tensors`` a GPT-2
    state dict or ``model.safetensors`` (:func:`gpt2_tensors`); the weights are copied
    with chapter 6's strict ``copy_weights`` by the table ``name_table(num_layers)``,
    GPT-2 name -> ``cls`` parameter name (the chapter's ``attnbook.gpt.gpt2_name_table``).

    Raises:
        PretrainedModelError: an unsupported configuration, or an unknown, missing or
            misshaped weight (nothing is copied then).
    """
    arguments = gpt2_arguments(config)
    model = cls(**arguments)
    table = name_table(arguments["num_layers"])
    copy_weights(model, gpt2_tensors(tensors), table, unused={})
    return model.eval()


def load_gpt2(cls, name_table: Callable[[int], dict[str, str]],
              path: str | os.PathLike | None = None, config: dict | None = None,
              sha256: str = GPT2_SHA256):
    """A ``cls`` (chapter 8's ``GPT``) with GPT-2's weights, in eval mode, on the CPU:
    ``load_gpt2(GPT, gpt2_name_table)`` with both from :mod:`attnbook.gpt`.

    Args:
        cls, name_table: the model class and its name table, as for :func:`build_gpt2`.
        path: a ``model.safetensors`` with GPT-2's names and shapes. ``None`` downloads
            the published GPT-2 small (:data:`GPT2_REPO` at :data:`GPT2_REVISION`, 548
            MB, through ``huggingface_hub``'s cache) together with its ``config.json``.
        config: the GPT-2 configuration as a dict; ``None`` reads the ``config.json``
            beside ``path``.
        sha256: the expected SHA-256 of the weights file, checked before it is read.

    Raises:
        ImportError: ``path`` is None and ``huggingface_hub`` is not installed.
        FileNotFoundError: the weights or the configuration file is missing.
        PretrainedModelError: the hash differs, or as :func:`gpt2_arguments` and
            chapter 6's
            ``copy_weights`` (an unknown, missing or wrongly shaped weight).
    """
    if path is None:
        from huggingface_hub import hf_hub_download

        path = hf_hub_download(GPT2_REPO, "model.safetensors", revision=GPT2_REVISION)
        if config is None:
            config_path = hf_hub_download(GPT2_REPO, "config.json",
                                          revision=GPT2_REVISION)
            config = json.loads(Path(config_path).read_text(encoding="utf-8"))
    if config is None:
        config_path = Path(path).parent / "config.json"
        config = json.loads(config_path.read_text(encoding="utf-8"))
    tensors = read_weights(path, sha256)   # checks the SHA-256 first
    return build_gpt2(cls, config, tensors, name_table)
