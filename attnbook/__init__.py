"""attnbook: the code built, chapter by chapter, in the attnbook course.

Modules exported from the chapter notebooks (generated; edit the notebooks): ``rnn``,
``seq2seq``, ``attention``, ``transformer``, ``pretrained``, ``generation``, ``gpt``.

Hand-written modules (what the course does not teach):
``checks`` (input validation, called in one line by the exported code), ``masks`` (the one mask
convention, True = may attend, and the one conversion to torch's), ``data`` (download, caching,
tokenization, the tasks' data, batching), ``tasks`` (chapter 5's toy task), ``evaluation``
(metrics, translation, scores by length), ``training`` (the teacher-forced training loop),
``torch_compat`` (copying torch modules' weights for the comparisons), ``hub`` (hashing, config
and safetensors reading for pretrained weights), ``gpt2_weights`` (GPT-2's published weights),
``step_functions`` (step functions that let generation drive every model), ``lm`` (chapter 8's
character data and KV-cache sizes), ``memory`` (peak-memory measurement), ``plot`` (plots and the
kernel-free explorers), ``exercise`` (the exercises' checks), ``glue`` (the book's numbers, myst-nb where it is installed), ``_export`` (the exporter),
``_execute`` (the chapters executed in parallel into the book's cache), ``_i18n`` (the Korean
edition: catalogs, Korean notebooks and site) and ``_pdf`` (printing the book).
"""

import sys as _sys

# jsonschema, which nbformat imports (myst-nb's glue does, in every chapter), imports the
# optional `rfc3987_syntax` when it is installed; that module builds a parser for IRIs at
# import time, 2-3 s of every chapter's kernel. The course validates no IRIs: without the
# module jsonschema only skips its "iri" format checks.
_sys.modules.setdefault("rfc3987_syntax", None)

__version__ = "0.1.0"
