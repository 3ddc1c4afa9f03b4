"""Chapter 7: the decoder and generation (greedy, beam search, sampling)."""

from __future__ import annotations

from attnbook.checks.core import check_bool_mask, check_dtype, check_positive_int, check_tensor


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


def check_cache_update(keys: list, layer: object, key: object, value: object) -> None:
    """Checks of ``KVCache.update(layer, key, value)``; ``keys`` are the cache's keys, one
    tensor (or ``None``, empty) per layer.

    Raises:
        TypeError: ``layer`` is not an int, or ``key`` or ``value`` is not a tensor.
        ValueError: ``layer`` is not in ``0..num_layers - 1``, ``key`` is not 4-D, ``value``
            has not ``key``'s shape, or ``key`` does not continue the cached keys
            ``(batch, num_kv_heads, T_past, d_k)`` (another batch, head count or ``d_k``).
    """
    if isinstance(layer, bool) or not isinstance(layer, int):
        raise TypeError(f"layer must be an int, got {type(layer).__name__}")
    if not 0 <= layer < len(keys):
        raise ValueError(f"layer must be in 0..{len(keys) - 1} (a cache of {len(keys)} "
                         f"layers), got {layer}")
    text = "(batch, num_kv_heads, T_new, d_k)"
    check_tensor("key", key, dim=4, shape_text=text)
    check_tensor("value", value, dim=4, shape_text=text)
    if value.shape != key.shape:
        raise ValueError(f"key and value must have the same shape {text}, got key "
                         f"{tuple(key.shape)} and value {tuple(value.shape)}")
    cached = keys[layer]
    if cached is not None and (key.shape[:2], key.shape[3]) != (cached.shape[:2],
                                                                 cached.shape[3]):
        raise ValueError(f"layer {layer} caches keys (batch, num_kv_heads, T_past, d_k) = "
                         f"{tuple(cached.shape)}; the new key {tuple(key.shape)} must match "
                         f"them in all but T (dim 2)")


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
    check_dtype("step's logits", logits, "floating-point")
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
    check_dtype("logits", logits, "floating-point", " (..., vocab_size)")
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
