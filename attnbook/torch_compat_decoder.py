"""Copy PyTorch's Transformer decoder into the course's (hand-written plumbing, chapter 7).

``TransformerDecoderLayer.from_torch`` and ``TransformerDecoder.from_torch`` call these functions
in one line, as chapters 4 and 5 call :mod:`attnbook.torch_compat`. Each returns a new module
with the weights, dtype, device and train/eval mode of the PyTorch module and refuses (naming
the option) what the course's module cannot reproduce. Masks are converted only by
:func:`attnbook.masks.to_torch`.
"""

from __future__ import annotations

import torch
from torch import nn

from attnbook.torch_compat import _activation_name


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
    if not isinstance(module, nn.TransformerDecoder):
        raise TypeError(f"expected an nn.TransformerDecoder, got {type(module).__name__}")
    from attnbook.transformer import TransformerDecoderLayer

    layers = [TransformerDecoderLayer.from_torch(layer) for layer in module.layers]
    first = layers[0]
    copy = cls(len(layers), first.self_attn.d_model, first.self_attn.num_heads,
               first.feed_forward.linear1.out_features, final_norm=module.norm is not None)
    copy.layers = nn.ModuleList(layers)
    if module.norm is not None:
        copy.norm = nn.LayerNorm(module.norm.normalized_shape, eps=module.norm.eps,
                                 device=module.norm.weight.device, dtype=module.norm.weight.dtype)
        copy.norm.load_state_dict(module.norm.state_dict())
    return copy.train(module.training)
