"""attnbook: the code built, chapter by chapter, in the attnbook course.

Modules exported from the chapter notebooks (generated; edit the notebooks):
``rnn``, ``seq2seq``, ``attention``, ``transformer``.
Hand-written plumbing: ``data`` (download, tokenization, batching), ``plot``.
"""

__version__ = "0.1.0"
