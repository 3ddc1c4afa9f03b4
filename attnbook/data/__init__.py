"""Data for the course: files, data sets, tokenization, vocabularies and batches.

The plumbing every chapter needs before any attention happens, one module per data set or idea:

- :mod:`~attnbook.data.download` -- :func:`fetch` finds a known data file (:data:`DATA_FILES`),
  in the folder named by ``ATTNBOOK_DATA`` or downloaded with pooch, always checking its
  SHA-256 hash.
- :mod:`~attnbook.data.tatoeba` -- Tatoeba English->French: :func:`load_tatoeba`,
  :func:`split_by_source` (no English sentence in two splits), :func:`group_references` (the
  references for BLEU); CC-BY 2.0 FR (:data:`TATOEBA_CREDIT`).
- :mod:`~attnbook.data.vocab` -- tokens: :func:`word_tokenize`, :func:`detokenize`,
  :class:`Vocab` and the special tokens.
- :mod:`~attnbook.data.dates` -- human-readable date -> ISO date (:func:`make_dates`,
  :func:`make_date_splits`).
- :mod:`~attnbook.data.number_lists` -- numbers read aloud (num2words: English, French,
  Korean) -> their digits (:func:`make_number_lists`).
- :mod:`~attnbook.data.batching` -- :func:`pad_sequences`, :func:`make_batch`, :func:`batches`:
  token lists to padded ``int64`` tensors for teacher forcing.
- :mod:`~attnbook.data.seq2seq_tasks` -- the tasks of chapters 1, 2 and 7, ready to train on:
  :class:`TaskData`, :func:`date_task`, :func:`tatoeba_task`, :func:`bottleneck_task`.
- :mod:`~attnbook.data.date_validity` -- chapter 5's task, is this date valid? (imported as
  :mod:`attnbook.tasks` by the chapter; its names are not repeated here).
- :mod:`~attnbook.data.sentences` -- chapter 6: :class:`SentenceBatching`, strings to padded
  batches and sentence embeddings.
- :mod:`~attnbook.data.characters` -- chapter 8: Tiny Shakespeare (:func:`load_shakespeare`),
  :class:`CharVocab`, :func:`random_windows`, :func:`consecutive_windows`.

Every public name of these modules (but ``date_validity``'s) is importable from
``attnbook.data``. The training settings (:class:`~attnbook.training.Seq2SeqConfig` and the
three tasks' ``*_CONFIG``) live in :mod:`attnbook.training`; they are re-exported here because
chapter 1 imports them from ``attnbook.data``.
"""

from attnbook.data.batching import Seq2SeqBatch, batches, make_batch, pad_sequences
from attnbook.data.characters import (
    SHAKESPEARE_CREDIT,
    CharVocab,
    consecutive_windows,
    load_shakespeare,
    random_windows,
)
from attnbook.data.dates import (
    DATE_FORMATS,
    DATE_LOCALES,
    DATE_MAX,
    DATE_MIN,
    DateExample,
    date_source_tokens,
    date_target_tokens,
    make_date_splits,
    make_dates,
    render_date,
)
from attnbook.data.download import (
    CACHE_ENV_VAR,
    DATA_ENV_VAR,
    DATA_FILES,
    SHAKESPEARE_FILE,
    TATOEBA_FILE,
    DataFileError,
    RemoteFile,
    cache_dir,
    fetch,
)
from attnbook.data.number_lists import (
    NUMBER_CREDIT,
    NUMBER_LANGUAGES,
    NumberListExample,
    make_number_lists,
    number_source_tokens,
    render_number,
)
from attnbook.data.sentences import SentenceBatching
from attnbook.data.seq2seq_tasks import (
    BOTTLENECK_BUCKETS,
    TaskData,
    bottleneck_task,
    date_task,
    tatoeba_task,
)
from attnbook.data.tatoeba import (
    SPLIT_NAMES,
    TATOEBA_CREDIT,
    TranslationPair,
    group_references,
    load_tatoeba,
    split_by_source,
)
from attnbook.data.vocab import BOS, EOS, PAD, SPECIALS, UNK, Vocab, detokenize, word_tokenize

# Chapter 1 (and the generated attnbook.seq2seq) import the training settings from here.
from attnbook.training import BOTTLENECK_CONFIG, DATES_CONFIG, TATOEBA_CONFIG, Seq2SeqConfig

__all__ = [
    # download
    "DATA_ENV_VAR", "CACHE_ENV_VAR", "DataFileError", "RemoteFile", "TATOEBA_FILE",
    "SHAKESPEARE_FILE", "DATA_FILES", "cache_dir", "fetch",
    # tatoeba
    "TATOEBA_CREDIT", "TranslationPair", "load_tatoeba", "SPLIT_NAMES", "split_by_source",
    "group_references",
    # vocab
    "word_tokenize", "detokenize", "PAD", "BOS", "EOS", "UNK", "SPECIALS", "Vocab",
    # dates
    "DATE_LOCALES", "DATE_FORMATS", "DATE_MIN", "DATE_MAX", "DateExample", "date_source_tokens",
    "date_target_tokens", "render_date", "make_dates", "make_date_splits",
    # batching
    "pad_sequences", "Seq2SeqBatch", "make_batch", "batches",
    # number_lists
    "NUMBER_LANGUAGES", "NUMBER_CREDIT", "NumberListExample", "render_number",
    "number_source_tokens", "make_number_lists",
    # seq2seq_tasks
    "TaskData", "date_task", "tatoeba_task", "BOTTLENECK_BUCKETS", "bottleneck_task",
    # sentences
    "SentenceBatching",
    # characters
    "SHAKESPEARE_CREDIT", "load_shakespeare", "CharVocab", "random_windows",
    "consecutive_windows",
    # attnbook.training, re-exported
    "Seq2SeqConfig", "DATES_CONFIG", "TATOEBA_CONFIG", "BOTTLENECK_CONFIG",
]
