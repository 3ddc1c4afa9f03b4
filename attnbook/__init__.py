"""attnbook: the code built, chapter by chapter, in the attnbook course.

Modules exported from the chapter notebooks (generated; edit the notebooks):
``rnn``, ``seq2seq``, ``attention``, ``transformer``, ``pretrained``.
Hand-written plumbing: ``data`` (download, tokenization, batching), ``tasks`` (a toy task for
chapter 5), ``plot``.
"""

__version__ = "0.1.0"
