"""Input validation for the course's modules (hand-written; the chapters call it in one line).

The chapters show the algorithm; this package holds the checks that turn bad input into a clear
error saying what was expected and what came. Every function raises ``TypeError`` for a wrong
type or dtype and ``ValueError`` for a wrong shape or value, and returns ``None`` otherwise.

Call them through the package (``from attnbook import checks; checks.check_tensor(...)`` or
``from attnbook.checks import check_tensor``); they are written one module per topic:
:mod:`~attnbook.checks.core` (the generic checks the others use), then
:mod:`~attnbook.checks.masks` (the mask builders of :mod:`attnbook.masks`),
:mod:`~attnbook.checks.seq2seq` (chapters 1-2), :mod:`~attnbook.checks.attention` (3-5),
:mod:`~attnbook.checks.pretrained` (6), :mod:`~attnbook.checks.decoder` (7) and
:mod:`~attnbook.checks.decoder_only` (8). Keep each message as strict and as specific as the
test-suite expects (the tests match on the messages).
"""

from attnbook.checks.attention import (  # noqa: F401
    check_attention_inputs,
    check_encoder_input,
    check_feed_forward_args,
    check_multi_head_args,
    check_multi_head_inputs,
    check_num_layers,
    check_positional_encoding_args,
    check_split_heads,
)
from attnbook.checks.core import (  # noqa: F401
    broadcast_shapes,
    check_bool_mask,
    check_choices,
    check_dtype,
    check_positive_int,
    check_probability,
    check_same_dtype,
    check_tensor,
)
from attnbook.checks.decoder import (  # noqa: F401
    check_beam_args,
    check_cache_update,
    check_decoder_inputs,
    check_generation_args,
    check_sampling_args,
    check_step_logits,
)
from attnbook.checks.decoder_only import (  # noqa: F401
    check_grouped_heads,
    check_head_counts,
    check_kv_cache_sizes,
    check_rotary,
    check_tiled_attention,
    check_token_ids,
    check_window,
)
from attnbook.checks.masks import (  # noqa: F401
    check_bool_tensor,
    check_lengths,
    check_token_mask,
)
from attnbook.checks.pretrained import (  # noqa: F401
    check_bert_ids,
    check_bert_sizes,
    check_max_seq_length,
    check_mean_pool,
)
from attnbook.checks.seq2seq import (  # noqa: F401
    check_attention,
    check_attention_decoder_inputs,
    check_batches,
    check_cell_input,
    check_cell_state,
    check_dot_sizes,
    check_id_tensor,
    check_max_len,
    check_query_key,
    check_score_args,
    check_scores_and_mask,
    check_sequence,
    check_source_ids,
    check_tanh_cell,
    check_tgt_in,
)
