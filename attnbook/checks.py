"""Input validation for the course's modules (hand-written; the chapters call it in one line).

The chapters show the algorithm; this module holds the checks that turn bad input into a clear
error saying what was expected and what came. Every function raises ``TypeError`` for a wrong
type or dtype and ``ValueError`` for a wrong shape or value, and returns ``None`` otherwise.

Sections: generic checks first, then one section per topic. Keep each message as strict and as
specific as the test-suite expects (the tests match on the messages).
"""

from __future__ import annotations

from typing import Sequence

import torch
from torch import Tensor


# ---------------------------------------------------------------------------------------------
# Generic checks
# ---------------------------------------------------------------------------------------------
def check_tensor(name: str, x: object, dim: int | None = None, last: int | None = None,
                 shape_text: str | None = None) -> None:
    """Check that ``x`` is a tensor with ``dim`` dimensions and a last dimension of ``last``.

    Raises:
        TypeError: ``x`` is not a ``torch.Tensor``.
        ValueError: the number of dimensions or the last dimension is not the expected one; the
            message shows ``shape_text`` (for example ``"(batch, seq_len, d_model=64)"``).
    """
    if not isinstance(x, Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(x).__name__}")
    if (dim is not None and x.dim() != dim) or (last is not None and (x.dim() == 0 or x.shape[-1] != last)):
        expected = shape_text or (f"{dim} dimensions" if dim is not None else "")
        if last is not None and shape_text is None:
            expected += f"{' and ' if expected else ''}a last dimension of {last}"
        raise ValueError(f"{name} must have shape {expected}, got {tuple(x.shape)}")


def check_positive_int(name: str, value: object) -> None:
    """Raise ``ValueError`` unless ``value`` is an ``int`` of at least 1 (``bool`` is refused)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")


def check_probability(name: str, value: float) -> None:
    """Raise ``ValueError`` unless ``0 <= value < 1`` (a dropout probability, say)."""
    if not 0.0 <= value < 1.0:
        raise ValueError(f"{name} must be in [0, 1), got {value}")


def broadcast_shapes(*shapes) -> tuple[int, ...]:
    """``torch.broadcast_shapes`` for the checks, in plain Python (torch's first call
    imports sympy, about 0.7 s): the broadcast shape, or ``RuntimeError`` as torch's."""
    ndim = max((len(shape) for shape in shapes), default=0)
    result = [1] * ndim
    for shape in shapes:
        for axis, size in enumerate(tuple(shape)[::-1], start=1):
            if size != 1 and result[-axis] not in (1, size):
                raise RuntimeError(f"shapes {[tuple(s) for s in shapes]} do not broadcast")
            if size != 1:
                result[-axis] = size
    return tuple(result)


def check_bool_mask(name: str, mask: object, target_shape: Sequence[int], target_text: str) -> None:
    """Check a boolean attention mask (True = may attend) that must broadcast to ``target_shape``.

    Args:
        name: the argument's name, for the message.
        mask: the mask to check.
        target_shape: the shape it must broadcast to, e.g. ``(batch, T_q, T_k)``.
        target_text: that shape in words, e.g. ``"(batch, T_q, T_k) = (2, 5, 7)"``.

    Raises:
        TypeError: ``mask`` is not a ``torch.bool`` tensor.
        ValueError: ``mask`` does not broadcast to ``target_shape`` (or has more dimensions).
    """
    if not isinstance(mask, Tensor) or mask.dtype != torch.bool:
        got = mask.dtype if isinstance(mask, Tensor) else type(mask).__name__
        raise TypeError(f"{name} must be a torch.bool tensor (True = may attend), got {got}")
    target = tuple(target_shape)
    ok = mask.dim() <= len(target)
    if ok:
        try:
            ok = broadcast_shapes(tuple(mask.shape), target) == target
        except RuntimeError:
            ok = False
    if not ok:
        raise ValueError(f"{name} of shape {tuple(mask.shape)} does not broadcast to {target_text}")


# ---------------------------------------------------------------------------------------------
# Chapters 1-2: RNN/LSTM cells, seq2seq, attention scores
# ---------------------------------------------------------------------------------------------
def check_cell_input(where: str, x: object, input_size: int) -> None:
    """A recurrent cell's input: ``(batch, input_size)`` (``where`` names the cell)."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{where}: expected x to be a torch.Tensor, got {type(x).__name__}")
    if x.dim() != 2 or x.shape[1] != input_size:
        raise ValueError(f"{where}: expected x of shape (batch, input_size={input_size}), "
                         f"got shape {tuple(x.shape)}")


def check_cell_state(where: str, h: Tensor, batch: int, hidden_size: int, name: str = "h") -> None:
    """A recurrent cell's state ``h`` (or ``c``): ``(batch, hidden_size)``."""
    if h.shape != (batch, hidden_size):
        raise ValueError(f"{where}: expected {name} of shape (batch={batch}, "
                         f"hidden_size={hidden_size}), got shape {tuple(h.shape)}")


def check_tanh_cell(cell: torch.nn.RNNCell) -> None:
    """``RNNCell.from_torch`` copies a tanh cell only."""
    if cell.nonlinearity != "tanh":
        raise ValueError(f"expected an nn.RNNCell with nonlinearity='tanh', got {cell.nonlinearity!r}")


def check_sequence(inputs: Tensor) -> None:
    """``run_cell``'s inputs: ``(batch, seq_len, input_size)`` with ``seq_len >= 1``."""
    if inputs.dim() != 3:
        raise ValueError("run_cell: expected inputs of shape (batch, seq_len, input_size), "
                         f"got shape {tuple(inputs.shape)}")
    if inputs.shape[1] == 0:
        raise ValueError("run_cell: expected a sequence with seq_len >= 1, got seq_len = 0")


def check_id_tensor(name: str, ids: object, rank: int, shape_text: str) -> None:
    """An integer tensor of token ids with ``rank`` dimensions (``shape_text`` for the message)."""
    if not isinstance(ids, Tensor):
        raise TypeError(f"expected {name} to be a torch.Tensor {shape_text}, got {type(ids).__name__}")
    if ids.dim() != rank:
        raise ValueError(f"expected {name} of shape {shape_text} (rank {rank}), "
                         f"got shape {tuple(ids.shape)}")
    if ids.dtype.is_floating_point or ids.dtype.is_complex or ids.dtype == torch.bool:
        raise ValueError(f"expected {name} to hold integer token ids (torch.int64), "
                         f"got dtype {ids.dtype}")


def check_source(src: Tensor, src_lengths: Tensor, max_src_len: int) -> None:
    """A padded source batch for ``Seq2Seq``: ids ``(batch, src_len)``, lengths ``(batch,)``
    in ``1 .. src_len``, none longer than ``max_src_len``."""
    check_id_tensor("src", src, 2, "(batch, src_len)")
    check_id_tensor("src_lengths", src_lengths, 1, "(batch,)")
    if src.shape[0] == 0:
        raise ValueError(f"empty batch: expected src with batch >= 1, got shape {tuple(src.shape)}")
    if src_lengths.shape[0] != src.shape[0]:
        raise ValueError(f"expected src_lengths of shape (batch={src.shape[0]},), "
                         f"got shape {tuple(src_lengths.shape)}")
    longest, shortest = int(src_lengths.max()), int(src_lengths.min())
    if longest > max_src_len:
        raise ValueError(f"source of length {longest} is longer than the model's "
                         f"max_src_len={max_src_len}")
    if shortest < 1 or longest > src.shape[1]:
        raise ValueError(f"expected every src_lengths value in 1..src_len={src.shape[1]}, "
                         f"got values from {shortest} to {longest}")


def check_tgt_in(tgt_in: Tensor, batch: int) -> None:
    """Teacher-forced decoder input: ids ``(batch, tgt_len)`` with ``tgt_len >= 1``."""
    check_id_tensor("tgt_in", tgt_in, 2, "(batch, tgt_len)")
    if tgt_in.shape[0] != batch or tgt_in.shape[1] == 0:
        raise ValueError(f"expected tgt_in of shape (batch={batch}, tgt_len >= 1), "
                         f"got shape {tuple(tgt_in.shape)}")


def check_max_len(max_len: int) -> None:
    """Greedy decoding writes at least one token."""
    if max_len < 1:
        raise ValueError(f"expected max_len >= 1, got {max_len}")


def check_batches(batches: list) -> None:
    """``train_seq2seq`` needs at least one batch."""
    if len(batches) == 0:
        raise ValueError("train_seq2seq: expected at least one batch, got an empty list")


def check_query_keys(query: Tensor, keys: Tensor, query_size: int, key_size: int) -> None:
    """A score's inputs: ``query (batch, T_q, query_size)``, ``keys (batch, T_k, key_size)``."""
    if query.dim() != 3:
        raise ValueError(f"query must be 3-D (batch, T_q, {query_size}), got shape {tuple(query.shape)}")
    if keys.dim() != 3:
        raise ValueError(f"keys must be 3-D (batch, T_k, {key_size}), got shape {tuple(keys.shape)}")
    if query.shape[0] != keys.shape[0]:
        raise ValueError(f"query and keys must have the same batch size, got query "
                         f"{tuple(query.shape)} and keys {tuple(keys.shape)}")
    if query.shape[-1] != query_size:
        raise ValueError(f"query must have last size {query_size}, got shape {tuple(query.shape)}")
    if keys.shape[-1] != key_size:
        raise ValueError(f"keys must have last size {key_size}, got shape {tuple(keys.shape)}")


def check_dot_sizes(query_size: int, key_size: int) -> None:
    """The dot score has no parameters: the query and the keys must have one size."""
    if query_size != key_size:
        raise ValueError(
            f"the dot score needs query_size == key_size, got query_size={query_size} and "
            f"key_size={key_size}; use 'general', 'concat' or 'additive' for different sizes")


def check_score_args(name: str, names: Sequence[str], query_size: int, key_size: int,
                     hidden_size: int | None) -> None:
    """``make_score``'s arguments: a known name, positive int sizes, no ``hidden_size`` for
    the scores without a hidden layer ("dot", "general")."""
    if name not in names:
        raise ValueError(f"unknown score function {name!r}; expected one of {tuple(names)}")
    sizes = {"query_size": query_size, "key_size": key_size}
    if hidden_size is not None:
        sizes["hidden_size"] = hidden_size
    for size_name, size in sizes.items():
        if not isinstance(size, int) or isinstance(size, bool) or size < 1:
            raise ValueError(f"{size_name} must be a positive int, got {size!r}")
    if name in ("dot", "general") and hidden_size is not None:
        raise ValueError(f"the {name!r} score has no hidden layer, but hidden_size={hidden_size} "
                         "was given")


def check_scores_and_mask(scores: object, mask: object) -> None:
    """``masked_softmax``'s inputs: float scores ``(..., T_k)``; a bool mask (or None) that
    broadcasts to ``scores.shape``."""
    if not isinstance(scores, Tensor) or not scores.is_floating_point():
        got = getattr(scores, "dtype", type(scores))
        raise TypeError(f"scores must be a floating-point tensor, got {got}")
    if scores.dim() == 0:
        raise ValueError("scores must have at least 1 dimension (..., T_k), got a 0-D tensor")
    if mask is None:
        return
    if not isinstance(mask, Tensor) or mask.dtype != torch.bool:
        got = getattr(mask, "dtype", type(mask))
        raise TypeError(f"mask must be a bool tensor (True = may attend), got {got}")
    try:
        broadcast_shape = broadcast_shapes(mask.shape, scores.shape)
    except RuntimeError:
        broadcast_shape = None
    if broadcast_shape != scores.shape:
        raise ValueError(f"mask of shape {tuple(mask.shape)} does not broadcast to scores of "
                         f"shape {tuple(scores.shape)}")


def check_attention_mask(mask: object) -> None:
    """``Attention``'s mask is ``None`` or 3-D, broadcastable to ``(batch, T_q, T_k)``."""
    if isinstance(mask, Tensor) and mask.dim() != 3:
        raise ValueError(
            f"mask must be 3-D and broadcast to (batch, T_q, T_k), got shape {tuple(mask.shape)}; "
            "pass a mask of real tokens of shape (batch, T_k) as token_mask.unsqueeze(1)")


def check_values(values: Tensor, keys: Tensor) -> None:
    """One value per key: ``values (batch, T_k, d_v)`` with the batch and ``T_k`` of ``keys``."""
    if values.dim() != 3 or values.shape[:2] != keys.shape[:2]:
        raise ValueError(f"values must be 3-D (batch, T_k, d_v) with the batch and T_k of keys, "
                         f"got values {tuple(values.shape)} and keys {tuple(keys.shape)}")


def check_attention_decoder_inputs(tgt_in: Tensor, enc_outputs: Tensor, src_token_mask: Tensor,
                         hidden_size: int) -> None:
    """``AttentionDecoder.forward``'s inputs: ``tgt_in (batch, tgt_len)`` int64,
    ``enc_outputs (batch, src_len, hidden_size)``, ``src_token_mask (batch, src_len)`` bool."""
    if tgt_in.dim() != 2:
        raise ValueError(f"tgt_in must be 2-D (batch, tgt_len), got shape {tuple(tgt_in.shape)}")
    if tgt_in.dtype != torch.int64:
        raise TypeError(f"tgt_in must be int64 token ids, got {tgt_in.dtype}")
    expected = (tgt_in.shape[0], hidden_size)
    if enc_outputs.dim() != 3 or (enc_outputs.shape[0], enc_outputs.shape[2]) != expected:
        raise ValueError(f"enc_outputs must be 3-D (batch={tgt_in.shape[0]}, src_len, "
                         f"{hidden_size}), got shape {tuple(enc_outputs.shape)}")
    if src_token_mask.shape != enc_outputs.shape[:2]:
        raise ValueError(f"src_token_mask must have shape (batch, src_len) = "
                         f"{tuple(enc_outputs.shape[:2])}, got {tuple(src_token_mask.shape)}")
    if src_token_mask.dtype != torch.bool:
        raise TypeError(f"src_token_mask must be a bool tensor (True = real token), "
                        f"got {src_token_mask.dtype}")



# ---------------------------------------------------------------------------------------------
# Chapters 3-5: scaled dot-product attention, multi-head attention, the encoder
# ---------------------------------------------------------------------------------------------
def check_attention_inputs(query: object, key: object, value: object, mask: object,
                           dropout_p: float = 0.0) -> None:
    """Checks of :func:`attnbook.attention.scaled_dot_product_attention` (chapter 3).

    Raises:
        TypeError: ``query``, ``key`` or ``value`` is not a floating-point tensor, their dtypes
            differ, or ``mask`` is not a ``torch.bool`` tensor.
        ValueError: a tensor has fewer than 2 dimensions, ``d_k`` of query and key differ, key and
            value have different ``T_k``, the batch dimensions or the mask do not broadcast to the
            scores' shape ``(..., T_q, T_k)``, or ``dropout_p`` is not in ``[0, 1)``.
    """
    for name, tensor in (("query", query), ("key", key), ("value", value)):
        if not isinstance(tensor, Tensor):
            raise TypeError(f"{name} must be a torch.Tensor, got {type(tensor).__name__}")
        if tensor.dim() < 2:
            raise ValueError(f"{name} must have at least 2 dimensions (..., seq_len, features), "
                             f"got shape {tuple(tensor.shape)}")
        if not tensor.is_floating_point():
            raise TypeError(f"{name} must be a floating-point tensor, got dtype {tensor.dtype}")
    if not query.dtype == key.dtype == value.dtype:
        raise TypeError(f"query, key and value must share one dtype, got {query.dtype}, "
                        f"{key.dtype}, {value.dtype}")
    if query.shape[-1] != key.shape[-1]:
        raise ValueError(f"query and key must have the same last dimension d_k, got query "
                         f"{tuple(query.shape)} (d_k={query.shape[-1]}) and key "
                         f"{tuple(key.shape)} (d_k={key.shape[-1]})")
    if key.shape[-2] != value.shape[-2]:
        raise ValueError(f"key and value must have the same number of positions T_k "
                         f"(dimension -2), got key {tuple(key.shape)} and value {tuple(value.shape)}")
    try:
        batch_shape = broadcast_shapes(query.shape[:-2], key.shape[:-2], value.shape[:-2])
    except RuntimeError:
        raise ValueError(f"the leading (batch) dimensions of query {tuple(query.shape)}, key "
                         f"{tuple(key.shape)} and value {tuple(value.shape)} do not broadcast "
                         f"together") from None
    if mask is not None:
        scores_shape = (*batch_shape, query.shape[-2], key.shape[-2])
        check_bool_mask("mask", mask, scores_shape,
                        f"the scores' shape (..., T_q, T_k) = {scores_shape}")
    if not 0.0 <= dropout_p < 1.0:
        raise ValueError(f"dropout_p must be in [0, 1), got {dropout_p}")


def check_multi_head_args(d_model: int, num_heads: int, dropout: float) -> None:
    """Checks of ``MultiHeadAttention(d_model, num_heads, dropout)`` (chapter 4).

    Raises:
        ValueError: ``d_model`` or ``num_heads`` is not positive, ``num_heads`` does not divide
            ``d_model``, or ``dropout`` is not in ``[0, 1)``.
    """
    if d_model < 1 or num_heads < 1:
        raise ValueError(f"d_model and num_heads must be positive, got d_model={d_model}, "
                         f"num_heads={num_heads}")
    if d_model % num_heads != 0:
        raise ValueError(f"d_model ({d_model}) must be divisible by num_heads ({num_heads}): "
                         f"each head gets d_model / num_heads features")
    check_probability("dropout", dropout)


def check_split_heads(x: object, num_heads: int) -> None:
    """Checks of ``split_heads(x, num_heads)`` (chapter 4).

    Raises:
        TypeError: ``x`` is not a tensor.
        ValueError: ``x`` is not 3-D ``(batch, seq_len, d_model)``, ``num_heads`` is not a
            positive integer, or it does not divide ``d_model``.
    """
    check_tensor("x", x, dim=3, shape_text="(batch, seq_len, d_model)")
    check_positive_int("num_heads", num_heads)
    if x.shape[-1] % num_heads != 0:
        raise ValueError(f"d_model ({x.shape[-1]}) must be divisible by num_heads "
                         f"({num_heads}): each head gets d_model / num_heads features")


def check_multi_head_inputs(query: object, key: object, value: object, mask: object,
                            d_model: int) -> None:
    """Checks of ``MultiHeadAttention.forward(query, key, value, mask)`` (chapter 4).

    Raises:
        TypeError: an input is not a tensor, the dtypes differ, or ``mask`` is not ``torch.bool``.
        ValueError: an input is not ``(batch, seq_len, d_model)``, the batch sizes differ, key and
            value have different lengths, or ``mask`` does not broadcast to ``(batch, T_q, T_k)``.
    """
    for name, tensor in (("query", query), ("key", key), ("value", value)):
        check_tensor(name, tensor, dim=3, last=d_model,
                     shape_text=f"(batch, seq_len, d_model={d_model})")
    if not query.dtype == key.dtype == value.dtype:
        raise TypeError(f"query, key and value must share one dtype, got {query.dtype}, "
                        f"{key.dtype}, {value.dtype}")
    if not query.shape[0] == key.shape[0] == value.shape[0]:
        raise ValueError(f"query, key and value must have the same batch size, got "
                         f"{query.shape[0]}, {key.shape[0]}, {value.shape[0]}")
    if key.shape[1] != value.shape[1]:
        raise ValueError(f"key and value must have the same length T_k, got key "
                         f"{tuple(key.shape)} and value {tuple(value.shape)}")
    if mask is not None:
        target = (query.shape[0], query.shape[1], key.shape[1])
        check_bool_mask("mask", mask, target, f"(batch, T_q, T_k) = {target}")


def check_positional_encoding_args(d_model: int, max_len: int, dropout: float) -> None:
    """Checks of ``PositionalEncoding(d_model, max_len, dropout)`` (chapter 5).

    Raises:
        ValueError: ``d_model`` or ``max_len`` is not positive, or ``dropout`` not in ``[0, 1)``.
    """
    if d_model < 1 or max_len < 1:
        raise ValueError(f"d_model and max_len must be positive, got d_model={d_model}, "
                         f"max_len={max_len}")
    check_probability("dropout", dropout)


def check_encoder_input(x: object, d_model: int, max_len: int | None = None) -> None:
    """Check an encoder's input ``x``: ``(batch, seq_len, d_model)``, ``seq_len <= max_len``.

    Raises:
        TypeError: ``x`` is not a tensor.
        ValueError: ``x`` is not 3-D, its last dimension is not ``d_model``, or it has more than
            ``max_len`` positions.
    """
    if not isinstance(x, Tensor):
        raise TypeError(f"x must be a torch.Tensor, got {type(x).__name__}")
    if x.dim() != 3 or x.shape[-1] != d_model:
        raise ValueError(f"expected x of shape (batch, seq_len, d_model={d_model}), "
                         f"got {tuple(x.shape)}")
    if max_len is not None and x.shape[1] > max_len:
        raise ValueError(f"sequence length {x.shape[1]} exceeds max_len={max_len}; build the "
                         f"module with a larger max_len")


def check_feed_forward_args(d_model: int, d_ff: int, dropout: float, activation: str,
                            activations: Sequence[str]) -> None:
    """Checks of ``FeedForward(d_model, d_ff, dropout, activation)`` (chapter 5).

    Raises:
        ValueError: ``activation`` is not one of ``activations``, a size is not positive, or
            ``dropout`` is not in ``[0, 1)``.
    """
    if activation not in activations:
        raise ValueError(f"activation must be one of {sorted(activations)}, got {activation!r}")
    if d_model < 1 or d_ff < 1:
        raise ValueError(f"d_model and d_ff must be positive, got d_model={d_model}, d_ff={d_ff}")
    check_probability("dropout", dropout)


def check_num_layers(num_layers: int) -> None:
    """Raise ``ValueError`` unless ``num_layers >= 1`` (``TransformerEncoder``, chapter 5)."""
    if num_layers < 1:
        raise ValueError(f"num_layers must be >= 1, got {num_layers}")


# ---------------------------------------------------------------------------------------------
# Chapter 6: the pretrained encoder
# ---------------------------------------------------------------------------------------------
def check_bert_sizes(vocab_size: int, d_model: int, max_len: int, type_vocab_size: int,
                     dropout: float) -> None:
    """Checks of :class:`attnbook.pretrained.BertEmbeddings`' sizes (chapter 6).

    Raises:
        ValueError: a size is below 1, or ``dropout`` is not in ``[0, 1)``.
    """
    if min(vocab_size, d_model, max_len, type_vocab_size) < 1:
        raise ValueError(f"sizes must be positive, got vocab_size={vocab_size}, "
                         f"d_model={d_model}, max_len={max_len}, "
                         f"type_vocab_size={type_vocab_size}")
    check_probability("dropout", dropout)


def check_bert_ids(input_ids: object, segment_ids: object, vocab_size: int,
                   type_vocab_size: int, max_len: int) -> None:
    """Checks of :meth:`attnbook.pretrained.BertEmbeddings.forward` (chapter 6);
    ``segment_ids`` may be ``None``.

    Raises:
        TypeError: an id tensor is not an int64 (or int32) tensor.
        ValueError: a tensor is not ``(batch, seq_len)`` (``segment_ids`` of the shape
            of ``input_ids``), an id is out of range, or ``seq_len > max_len``.
    """
    ids_shape = tuple(input_ids.shape) if isinstance(input_ids, Tensor) else None
    for name, ids, size in (("input_ids", input_ids, vocab_size),
                            ("segment_ids", segment_ids, type_vocab_size)):
        if ids is None and name == "segment_ids":  # None: segment 0 everywhere
            continue
        if not isinstance(ids, Tensor) or ids.dtype not in (torch.int64, torch.int32):
            got = ids.dtype if isinstance(ids, Tensor) else type(ids).__name__
            raise TypeError(f"{name} must be an int64 (or int32) tensor, got {got}")
        if ids.dim() != 2 or tuple(ids.shape) != ids_shape:
            raise ValueError(f"{name} must have shape (batch, seq_len) = {ids_shape}, "
                             f"got {tuple(ids.shape)}")
        if ids.numel() and (ids.min() < 0 or ids.max() >= size):
            raise ValueError(f"{name} must lie in [0, {size}), got values from "
                             f"{ids.min().item()} to {ids.max().item()}")
    if ids_shape[1] > max_len:
        raise ValueError(f"sequence length {ids_shape[1]} exceeds the {max_len} "
                         "learned positions")


def check_mean_pool(hidden: object, token_mask: object) -> None:
    """Checks of :func:`attnbook.pretrained.mean_pool` (chapter 6).

    Raises:
        TypeError: ``hidden`` is not a tensor, or ``token_mask`` is not a ``torch.bool``
            tensor.
        ValueError: ``hidden`` is not ``(batch, seq_len, d_model)``, ``token_mask`` is
            not ``(batch, seq_len)``, or a sequence has no real token (no mean).
    """
    check_tensor("hidden", hidden)
    if not isinstance(token_mask, Tensor):
        raise TypeError("token_mask must be a torch.bool tensor (True = real token), "
                        f"got {type(token_mask).__name__}")
    if hidden.dim() != 3 or tuple(token_mask.shape) != tuple(hidden.shape[:2]):
        raise ValueError(f"expected hidden (batch, seq_len, d_model) and token_mask "
                         f"(batch, seq_len), got {tuple(hidden.shape)} and "
                         f"{tuple(token_mask.shape)}")
    if token_mask.dtype != torch.bool:
        raise TypeError("token_mask must be a torch.bool tensor (True = real token), "
                        f"got {token_mask.dtype}")
    empty = torch.nonzero(~token_mask.any(dim=1)).flatten().tolist()
    if empty:
        raise ValueError(f"sequences {empty} are all padding: no real token to average")


def check_max_seq_length(max_seq_length: int, max_len: int) -> None:
    """Raise ``ValueError`` unless ``1 <= max_seq_length <= max_len`` (chapter 6)."""
    if not 1 <= max_seq_length <= max_len:
        raise ValueError(f"max_seq_length must be in [1, max_len={max_len}], "
                         f"got {max_seq_length}")



# ---------------------------------------------------------------------------------------------
# Chapter 7: the decoder and generation
# ---------------------------------------------------------------------------------------------
def check_decoder_inputs(tgt: object, memory: object, d_model: int, tgt_mask: object,
                         memory_mask: object, past: int = 0) -> None:
    """Checks of ``TransformerDecoderLayer.forward(tgt, memory, tgt_mask, memory_mask)``.

    ``past`` is the number of positions already in the layer's key/value cache: the
    self-attention keys are then the ``past + T_tgt`` positions.

    Raises:
        TypeError: ``tgt`` or ``memory`` is not a tensor, or a mask is not ``torch.bool``.
        ValueError: ``tgt`` is not ``(batch, T_tgt, d_model)``, ``memory`` is not
            ``(batch, T_src, d_model)`` with the same batch, or a mask does not broadcast to
            ``(batch, T_tgt, past + T_tgt)`` / ``(batch, T_tgt, T_src)``.
    """
    check_tensor("tgt", tgt, dim=3, last=d_model, shape_text=f"(batch, T_tgt, d_model={d_model})")
    check_tensor("memory", memory, dim=3, last=d_model,
                 shape_text=f"(batch, T_src, d_model={d_model})")
    if memory.shape[0] != tgt.shape[0]:
        raise ValueError(f"tgt and memory must have the same batch size, got tgt "
                         f"{tuple(tgt.shape)} and memory {tuple(memory.shape)}")
    batch, T_tgt, T_src = tgt.shape[0], tgt.shape[1], memory.shape[1]
    if tgt_mask is not None:
        target = (batch, T_tgt, past + T_tgt)
        check_bool_mask("tgt_mask", tgt_mask, target, f"(batch, T_tgt, T_tgt) = {target}"
                        + (f" ({past} cached positions)" if past else ""))
    if memory_mask is not None:
        target = (batch, T_tgt, T_src)
        check_bool_mask("memory_mask", memory_mask, target, f"(batch, T_tgt, T_src) = {target}")


def check_source_ids(src: object, src_lengths: object, max_src_len: int) -> None:
    """Checks of ``Transformer.encode(src, src_lengths)``.

    Raises:
        TypeError: ``src`` or ``src_lengths`` is not an integer tensor.
        ValueError: ``src`` is not ``(batch, src_len)`` with ``batch >= 1``, ``src_lengths`` is
            not ``(batch,)``, a length is outside ``1..src_len``, or a source is longer than
            ``max_src_len``.
    """
    for name, x, rank, text in (("src", src, 2, "(batch, src_len)"),
                                ("src_lengths", src_lengths, 1, "(batch,)")):
        if not isinstance(x, Tensor) or x.is_floating_point() or x.is_complex() \
                or x.dtype == torch.bool:
            got = x.dtype if isinstance(x, Tensor) else type(x).__name__
            raise TypeError(f"{name} must be an integer tensor {text} of token ids, got {got}")
        if x.dim() != rank:
            raise ValueError(f"{name} must have shape {text}, got {tuple(x.shape)}")
    if src.shape[0] == 0 or src_lengths.shape[0] != src.shape[0]:
        raise ValueError(f"expected src (batch >= 1, src_len) and src_lengths (batch,), got "
                         f"{tuple(src.shape)} and {tuple(src_lengths.shape)}")
    shortest, longest = int(src_lengths.min()), int(src_lengths.max())
    if longest > max_src_len:
        raise ValueError(f"source of length {longest} is longer than the model's "
                         f"max_src_len={max_src_len}")
    if shortest < 1 or longest > src.shape[1]:
        raise ValueError(f"expected every src_lengths value in 1..src_len={src.shape[1]}, got "
                         f"values from {shortest} to {longest}")


def check_generation_args(batch_size: object, max_len: object, bos_id: object,
                          eos_id: object) -> None:
    """Checks of the arguments every decoding function of ``attnbook.generation`` takes.

    Raises:
        ValueError: ``batch_size`` or ``max_len`` is not a positive integer, or ``bos_id`` /
            ``eos_id`` is not a non-negative integer.
    """
    check_positive_int("batch_size", batch_size)
    check_positive_int("max_len", max_len)
    for name, value in (("bos_id", bos_id), ("eos_id", eos_id)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(f"{name} must be a non-negative integer token id, got {value!r}")


def check_step_logits(logits: object, batch_size: int) -> None:
    """The step function's output: ``(batch_size, vocab_size)`` floating-point logits.

    Raises:
        TypeError: ``logits`` is not a floating-point tensor.
        ValueError: it is not ``(batch_size, vocab_size)``.
    """
    if not isinstance(logits, Tensor) or not logits.is_floating_point():
        got = logits.dtype if isinstance(logits, Tensor) else type(logits).__name__
        raise TypeError(f"step must return floating-point logits, got {got}")
    if logits.dim() != 2 or logits.shape[0] != batch_size:
        raise ValueError(f"step must return logits of shape (batch={batch_size}, vocab_size), "
                         f"got {tuple(logits.shape)}")


def check_sampling_args(logits: object, temperature: object, top_k: object,
                        top_p: object) -> None:
    """Checks of ``next_token_distribution(logits, temperature, top_k, top_p)``.

    Raises:
        TypeError: ``logits`` is not a floating-point tensor.
        ValueError: ``logits`` has no vocabulary axis, ``temperature`` is not a finite number
            > 0, ``top_k`` is not ``None`` or a positive integer, or ``top_p`` is not ``None``
            or in ``(0, 1]``.
    """
    if not isinstance(logits, Tensor) or not logits.is_floating_point():
        got = logits.dtype if isinstance(logits, Tensor) else type(logits).__name__
        raise TypeError(f"logits must be a floating-point tensor (..., vocab_size), got {got}")
    if logits.dim() == 0 or logits.shape[-1] == 0:
        raise ValueError(f"logits must have shape (..., vocab_size), got {tuple(logits.shape)}")
    if isinstance(temperature, bool) or not isinstance(temperature, (int, float)) \
            or not 0 < temperature < float("inf"):
        raise ValueError(f"temperature must be a finite number > 0 (use greedy decoding for "
                         f"temperature 0), got {temperature!r}")
    if top_k is not None:
        check_positive_int("top_k", top_k)
    if top_p is not None and (isinstance(top_p, bool) or not isinstance(top_p, (int, float))
                              or not 0 < top_p <= 1):
        raise ValueError(f"top_p must be in (0, 1], got {top_p!r}")


def check_beam_args(batch_size: object, max_len: object, bos_id: object, eos_id: object,
                    beam_size: object, length_penalty: object) -> None:
    """Checks of ``beam_search``'s arguments: those of :func:`check_generation_args`, and its own.

    Raises:
        ValueError: as :func:`check_generation_args`; ``beam_size`` is not a positive integer,
            or ``length_penalty`` is not a finite number >= 0.
    """
    check_generation_args(batch_size, max_len, bos_id, eos_id)
    check_positive_int("beam_size", beam_size)
    if isinstance(length_penalty, bool) or not isinstance(length_penalty, (int, float)) \
            or not 0 <= length_penalty < float("inf"):
        raise ValueError(f"length_penalty must be a finite number >= 0, got {length_penalty!r}")


# ---------------------------------------------------------------------------------------------
# Chapter 8: decoder-only models (RoPE, grouped-query, tiled attention)
# ---------------------------------------------------------------------------------------------
def _check_float_tensor(name: str, x: object, min_dim: int, shape_text: str) -> None:
    """A floating-point tensor with at least ``min_dim`` dimensions (``shape_text`` in the message)."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(x).__name__}")
    if not x.is_floating_point():
        raise TypeError(f"{name} must be a floating-point tensor, got dtype {x.dtype}")
    if x.dim() < min_dim:
        raise ValueError(f"{name} must have shape {shape_text}, got {tuple(x.shape)}")


def check_tiled_attention(query: object, key: object, value: object, mask: object,
                          block_size: object) -> None:
    """The inputs of ``tiled_attention``: those of scaled dot-product attention, and a block size.

    Raises:
        TypeError: an input is not a floating-point tensor, the dtypes differ, or
            ``mask`` is not a ``torch.bool`` tensor.
        ValueError: an input has fewer than 2 dimensions, ``d_k`` of query and key
            differ, key and value have different ``T_k``, the leading dimensions or the
            mask do not broadcast, or ``block_size`` is not a positive integer.
    """
    for name, x, text in (("query", query, "(..., T_q, d_k)"), ("key", key, "(..., T_k, d_k)"),
                          ("value", value, "(..., T_k, d_v)")):
        _check_float_tensor(name, x, 2, text)
    if not query.dtype == key.dtype == value.dtype:
        raise TypeError(f"query, key and value must share one dtype, got {query.dtype}, "
                        f"{key.dtype}, {value.dtype}")
    if query.shape[-1] != key.shape[-1]:
        raise ValueError(f"query and key must have the same last dimension d_k, got query "
                         f"{tuple(query.shape)} and key {tuple(key.shape)}")
    if key.shape[-2] != value.shape[-2]:
        raise ValueError(f"key and value must have the same number of positions T_k, got key "
                         f"{tuple(key.shape)} and value {tuple(value.shape)}")
    try:
        batch = broadcast_shapes(query.shape[:-2], key.shape[:-2], value.shape[:-2])
    except RuntimeError:
        raise ValueError(f"the leading dimensions of query {tuple(query.shape)}, key "
                         f"{tuple(key.shape)} and value {tuple(value.shape)} do not broadcast "
                         f"together") from None
    check_positive_int("block_size", block_size)
    if mask is not None:
        scores = (*batch, query.shape[-2], key.shape[-2])
        check_bool_mask("mask", mask, scores, f"the scores' shape (..., T_q, T_k) = {scores}")
        if mask.dim() == 0:
            raise ValueError("mask must have at least 1 dimension (..., T_k), got a 0-D tensor")


def check_rotary(query: object, key: object, positions: object) -> None:
    """The inputs of ``apply_rotary``.

    Raises:
        TypeError: ``query`` or ``key`` is not a floating-point tensor, or ``positions``
            is not an integer tensor.
        ValueError: ``query`` or ``key`` is not ``(..., seq_len, d)`` with the same even
            ``d`` and ``seq_len``, or ``positions`` is not ``(seq_len,)`` or ``(batch, seq_len)``.
    """
    _check_float_tensor("query", query, 2, "(..., seq_len, d)")
    _check_float_tensor("key", key, 2, "(..., seq_len, d)")
    if query.shape[-1] != key.shape[-1] or query.shape[-1] % 2:
        raise ValueError(f"query and key must share one even last dimension d (the features are "
                         f"rotated in pairs), got query {tuple(query.shape)} and key "
                         f"{tuple(key.shape)}")
    if query.shape[-2] != key.shape[-2]:
        raise ValueError(f"query and key must have the same seq_len, got query "
                         f"{tuple(query.shape)} and key {tuple(key.shape)}")
    if not isinstance(positions, Tensor) or positions.is_floating_point() or positions.is_complex():
        got = positions.dtype if isinstance(positions, Tensor) else type(positions).__name__
        raise TypeError(f"positions must be an integer tensor, got {got}")
    seq_len = query.shape[-2]
    if positions.dim() not in (1, 2) or positions.shape[-1] != seq_len:
        raise ValueError(f"positions must have shape (seq_len,) or (batch, seq_len) with "
                         f"seq_len={seq_len}, got {tuple(positions.shape)}")


def check_head_counts(d_model: object, num_heads: object, num_kv_heads: object) -> None:
    """Head counts of grouped-query attention: ``num_kv_heads`` divides ``num_heads``,
    which divides ``d_model``.

    Raises:
        ValueError: a count is not a positive integer, or does not divide as it must.
    """
    for name, value in (("d_model", d_model), ("num_heads", num_heads),
                        ("num_kv_heads", num_kv_heads)):
        check_positive_int(name, value)
    if d_model % num_heads:
        raise ValueError(f"d_model ({d_model}) must be divisible by num_heads ({num_heads}): each "
                         f"head gets d_model / num_heads features")
    if num_heads % num_kv_heads:
        raise ValueError(f"num_kv_heads ({num_kv_heads}) must divide num_heads ({num_heads}): "
                         f"each key/value head serves num_heads / num_kv_heads query heads")


def check_grouped_heads(query: object, key: object, value: object) -> None:
    """Query, key and value of ``grouped_query_attention``.

    Raises:
        TypeError: an input is not a floating-point tensor.
        ValueError: an input is not 4-D ``(batch, heads, seq_len, d)``, key and value
            differ in shape, or their number of heads does not divide the query's.
    """
    for name, x in (("query", query), ("key", key), ("value", value)):
        _check_float_tensor(name, x, 4, "(batch, heads, seq_len, d_k)")
        if x.dim() != 4:
            raise ValueError(f"{name} must have shape (batch, heads, seq_len, d_k), got "
                             f"{tuple(x.shape)}")
    if key.shape[:3] != value.shape[:3]:
        raise ValueError(f"key and value must have the same (batch, num_kv_heads, T_k), got key "
                         f"{tuple(key.shape)} and value {tuple(value.shape)}")
    num_heads, num_kv_heads = query.shape[1], key.shape[1]
    if num_heads % num_kv_heads:
        raise ValueError(f"the key/value heads ({num_kv_heads}) must divide the query heads "
                         f"({num_heads}), got query {tuple(query.shape)} and key "
                         f"{tuple(key.shape)}")


def check_window(T_q: object, T_k: object, window: object) -> None:
    """Arguments of ``sliding_window_mask``.

    Raises:
        ValueError: ``T_q`` or ``T_k`` is not a positive integer, ``T_q > T_k``, or
            ``window`` is neither ``None`` nor a positive integer.
    """
    check_positive_int("T_q", T_q)
    check_positive_int("T_k", T_k)
    if T_q > T_k:
        raise ValueError(f"the queries are the last T_q of the T_k positions, so T_q ({T_q}) "
                         f"must be <= T_k ({T_k})")
    if window is not None:
        check_positive_int("window", window)


def check_token_ids(input_ids: object, vocab_size: int, past: int, max_len: int | None) -> None:
    """Token ids for a decoder-only model that has already seen ``past`` tokens.

    Raises:
        TypeError: ``input_ids`` is not an int64/int32 tensor.
        ValueError: it is not ``(batch, seq_len)`` with ``seq_len >= 1``, an id is
            outside ``[0, vocab_size)``, or ``past + seq_len`` exceeds ``max_len`` learned positions.
    """
    if not isinstance(input_ids, Tensor) or input_ids.dtype not in (torch.int64, torch.int32):
        got = input_ids.dtype if isinstance(input_ids, Tensor) else type(input_ids).__name__
        raise TypeError(f"input_ids must be an int64 (or int32) tensor, got {got}")
    if input_ids.dim() != 2 or input_ids.shape[1] == 0:
        raise ValueError(f"input_ids must have shape (batch, seq_len) with seq_len >= 1, got "
                         f"{tuple(input_ids.shape)}")
    if input_ids.min() < 0 or input_ids.max() >= vocab_size:
        raise ValueError(f"input_ids must lie in [0, {vocab_size}), got values from "
                         f"{input_ids.min().item()} to {input_ids.max().item()}")
    if max_len is not None and past + input_ids.shape[1] > max_len:
        raise ValueError(f"{past} cached + {input_ids.shape[1]} new tokens exceed the {max_len} "
                         f"learned positions")


def check_kv_cache_sizes(**sizes: object) -> None:
    """Every size of ``kv_cache_bytes`` is a positive integer.

    Raises:
        ValueError: one is not (the message names it).
    """
    for name, value in sizes.items():
        check_positive_int(name, value)
