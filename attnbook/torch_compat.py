"""Copy PyTorch's own modules into the course's (hand-written plumbing, not course material).

Chapters 1, 4, 5 and 7 check their modules against ``torch.nn.MultiheadAttention``,
``torch.nn.TransformerEncoderLayer`` and ``torch.nn.TransformerEncoder`` by copying the weights of a
PyTorch module into a course module and comparing the outputs. The copying is bookkeeping (which
slice of ``in_proj_weight`` is ``W^Q``, which options the course's modules lack), so it lives here;
the chapters' ``from_torch`` class methods call these functions in one line.

Each function returns a new module with the weights, dtype, device and train/eval mode of the
PyTorch module, and refuses (with a message naming the option) what the course's module cannot
reproduce. Torch's masks are not involved: see :mod:`attnbook.masks` for the one conversion.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from attnbook import checks


def multi_head_attention_from_torch(cls: type, module: nn.MultiheadAttention) -> nn.Module:
    """Return ``cls(embed_dim, num_heads, dropout, bias)`` with the weights of ``module``.

    Args:
        cls: :class:`attnbook.attention.MultiHeadAttention` (or a subclass).
        module: an ``nn.MultiheadAttention`` built with ``batch_first=True`` and without
            ``kdim``/``vdim``, ``add_bias_kv`` or ``add_zero_attn``.

    Raises:
        TypeError: ``module`` is not an ``nn.MultiheadAttention``.
        ValueError: ``module`` uses an option the course's module does not have (named).
    """
    if not isinstance(module, nn.MultiheadAttention):
        raise TypeError(f"expected an nn.MultiheadAttention, got {type(module).__name__}")
    if not module.batch_first:
        raise ValueError("module must be built with batch_first=True (this class is batch-first)")
    if not module._qkv_same_embed_dim:
        raise ValueError(f"module has kdim={module.kdim}, vdim={module.vdim} != "
                         f"embed_dim={module.embed_dim}; not supported")
    if module.bias_k is not None or module.add_zero_attn:
        raise ValueError("add_bias_kv and add_zero_attn are not supported")
    weight = module.in_proj_weight                      # (3 * d_model, d_model): W^Q, W^K, W^V
    bias = module.in_proj_bias is not None
    copy = cls(module.embed_dim, module.num_heads, dropout=module.dropout, bias=bias)
    copy.to(device=weight.device, dtype=weight.dtype)
    with torch.no_grad():
        for linear, w in zip((copy.w_q, copy.w_k, copy.w_v), weight.chunk(3, dim=0)):
            linear.weight.copy_(w)
        copy.w_o.weight.copy_(module.out_proj.weight)
        if bias:
            for linear, b in zip((copy.w_q, copy.w_k, copy.w_v), module.in_proj_bias.chunk(3)):
                linear.bias.copy_(b)
            copy.w_o.bias.copy_(module.out_proj.bias)
    return copy.train(module.training)


def _activation_name(act: object) -> str:
    if act is F.relu or isinstance(act, nn.ReLU):
        return "relu"
    if act is F.gelu or (isinstance(act, nn.GELU) and act.approximate == "none"):
        return "gelu"
    raise ValueError(f"unsupported activation {act!r}: only ReLU and exact GELU are supported")


def encoder_layer_from_torch(cls: type, module: nn.TransformerEncoderLayer) -> nn.Module:
    """Return a :class:`attnbook.transformer.TransformerEncoderLayer` copy of ``module``.

    Args:
        cls: the course's ``TransformerEncoderLayer`` (or a subclass).
        module: an ``nn.TransformerEncoderLayer(batch_first=True)`` with biases and a ReLU or
            exact GELU activation.

    Raises:
        TypeError: ``module`` is not an ``nn.TransformerEncoderLayer``.
        ValueError: ``module`` is not batch-first, has ``bias=False``, or another activation.
    """
    if not isinstance(module, nn.TransformerEncoderLayer):
        raise TypeError(f"expected an nn.TransformerEncoderLayer, got {type(module).__name__}")
    activation = _activation_name(module.activation)
    if module.linear1.bias is None or module.norm1.bias is None:
        raise ValueError("bias=False is not supported")
    weight = module.linear1.weight
    copy = cls(module.linear1.in_features, module.self_attn.num_heads,
               module.linear1.out_features, dropout=module.dropout.p, activation=activation,
               norm_first=module.norm_first, layer_norm_eps=module.norm1.eps)
    copy.to(device=weight.device, dtype=weight.dtype)
    copy.self_attn = type(copy.self_attn).from_torch(module.self_attn)  # checks batch_first
    pairs = ((copy.feed_forward.linear1, module.linear1), (copy.feed_forward.linear2, module.linear2),
             (copy.norm1, module.norm1), (copy.norm2, module.norm2))
    with torch.no_grad():
        for ours, theirs in pairs:
            ours.weight.copy_(theirs.weight)
            ours.bias.copy_(theirs.bias)
    return copy.train(module.training)


def encoder_from_torch(cls: type, module: nn.TransformerEncoder) -> nn.Module:
    """Return a :class:`attnbook.transformer.TransformerEncoder` copy of ``module``: its
    batch-first layers (see :func:`encoder_layer_from_torch`) and its final ``norm`` if any.

    Raises:
        TypeError: ``module`` is not an ``nn.TransformerEncoder``.
        ValueError: as :func:`encoder_layer_from_torch`.
    """
    return _stack_from_torch(cls, module, nn.TransformerEncoder)


def _stack_from_torch(cls: type, module: nn.Module, torch_type: type) -> nn.Module:
    """The course's stack ``cls`` of ``module``'s size, its layers replaced by copies of
    ``module``'s (each made by the ``from_torch`` of the layer class that ``cls`` builds) and its
    final ``norm`` (if any) by a copy of ``module``'s, in ``module``'s train/eval mode.

    Plumbing never imports chapter code: the layer class comes from ``cls`` itself."""
    if not isinstance(module, torch_type):
        raise TypeError(f"expected an nn.{torch_type.__name__}, got {type(module).__name__}")
    first = module.layers[0]
    copy = cls(len(module.layers), first.linear1.in_features, first.self_attn.num_heads,
               first.linear1.out_features, final_norm=module.norm is not None)
    layer_cls = type(copy.layers[0])
    copy.layers = nn.ModuleList(layer_cls.from_torch(layer) for layer in module.layers)
    if module.norm is not None:
        copy.norm = nn.LayerNorm(module.norm.normalized_shape, eps=module.norm.eps,
                                 device=module.norm.weight.device, dtype=module.norm.weight.dtype)
        copy.norm.load_state_dict(module.norm.state_dict())
    return copy.train(module.training)


def reset_cell_parameters(cell: nn.Module) -> None:
    """Chapter 1's ``RNNCell`` / ``LSTMCell`` initialisation: every parameter drawn from
    ``Uniform(-1/sqrt(hidden_size), 1/sqrt(hidden_size))``, as ``torch.nn.RNNCell`` and
    ``torch.nn.LSTMCell`` do."""
    bound = 1.0 / math.sqrt(cell.hidden_size)
    for weight in cell.parameters():
        nn.init.uniform_(weight, -bound, bound)


def cell_from_torch(cls: type, cell: nn.Module) -> nn.Module:
    """A chapter 1 cell ``cls`` with the weights, dtype, device and train/eval mode of
    ``cell``, an ``nn.RNNCell`` or ``nn.LSTMCell``.

    Raises ValueError for an ``nn.RNNCell`` whose nonlinearity is not tanh.
    """
    if isinstance(cell, nn.RNNCell):
        checks.check_tanh_cell(cell)
    weight = cell.weight_ih
    ours = cls(cell.input_size, cell.hidden_size, bias=cell.bias)
    ours.to(device=weight.device, dtype=weight.dtype)    # before loading: no cast
    ours.load_state_dict(cell.state_dict())
    return ours.train(cell.training)


# Chapter 7: the decoder (TransformerDecoderLayer.from_torch, TransformerDecoder.from_torch)
def decoder_layer_from_torch(cls: type, module: nn.TransformerDecoderLayer) -> nn.Module:
    """Return a copy of ``module`` as the course's ``TransformerDecoderLayer`` ``cls``.

    ``self_attn`` becomes ``self_attn``, ``multihead_attn`` becomes ``cross_attn``,
    ``linear1``/``linear2`` the feed-forward block and ``norm1..3`` the three LayerNorms.

    Raises:
        TypeError: ``module`` is not an ``nn.TransformerDecoderLayer``.
        ValueError: ``module`` is not batch-first, has ``bias=False``, or an activation other
            than ReLU or exact GELU.
    """
    if not isinstance(module, nn.TransformerDecoderLayer):
        raise TypeError(f"expected an nn.TransformerDecoderLayer, got {type(module).__name__}")
    activation = _activation_name(module.activation)
    if module.linear1.bias is None or module.norm1.bias is None:
        raise ValueError("bias=False is not supported")
    weight = module.linear1.weight
    copy = cls(module.linear1.in_features, module.self_attn.num_heads,
               module.linear1.out_features, dropout=module.dropout.p, activation=activation,
               norm_first=module.norm_first, layer_norm_eps=module.norm1.eps)
    copy.to(device=weight.device, dtype=weight.dtype)
    mha = type(copy.self_attn)
    copy.self_attn = mha.from_torch(module.self_attn)            # checks batch_first
    copy.cross_attn = mha.from_torch(module.multihead_attn)
    pairs = ((copy.feed_forward.linear1, module.linear1),
             (copy.feed_forward.linear2, module.linear2),
             (copy.norm1, module.norm1), (copy.norm2, module.norm2), (copy.norm3, module.norm3))
    with torch.no_grad():
        for ours, theirs in pairs:
            ours.weight.copy_(theirs.weight)
            ours.bias.copy_(theirs.bias)
    return copy.train(module.training)


def decoder_from_torch(cls: type, module: nn.TransformerDecoder) -> nn.Module:
    """Return a copy of an ``nn.TransformerDecoder`` (its layers and final ``norm``, if any) as
    the course's ``TransformerDecoder`` ``cls``.

    Raises:
        TypeError: ``module`` is not an ``nn.TransformerDecoder``.
        ValueError: as :func:`decoder_layer_from_torch`.
    """
    return _stack_from_torch(cls, module, nn.TransformerDecoder)
