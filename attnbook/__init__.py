"""attnbook: the code built, chapter by chapter, in the attnbook course.

Modules exported from the chapter notebooks (generated; edit the notebooks): ``rnn``,
``seq2seq``, ``masks`` (every mask builder, in the one convention True = may attend, and
``to_torch``, the one conversion to torch's), ``attention``, ``transformer``, ``pretrained``,
``generation``, ``gpt``.

Hand-written modules and packages (what the course does not teach):
``checks`` (input validation, called in one line by the exported code; one module per topic),
``data`` (every data set and its plumbing, one module each: download, Tatoeba, tokens and
vocabularies, dates, number lists, batching, the seq2seq tasks, chapter 5's date validity,
chapter 6's sentence batches, chapter 8's characters), ``evaluation`` (metrics, translation,
scores by length), ``training`` (the teacher-forced training loop and its settings),
``torch_compat`` (copying torch modules' weights for the comparisons), ``hub`` (hashing, config
and safetensors reading for pretrained weights), ``gpt2_weights`` (GPT-2's published weights),
``step_functions`` (step functions that let generation drive every model), ``lm`` (chapter 8's
step function and KV-cache sizes), ``memory`` (peak-memory measurement), ``plot`` (the course's
figure style, applied on import, plots and the kernel-free explorers), ``exercise`` (the
exercises' checks), ``glue`` (the book's numbers, myst-nb where it is installed). ``tasks``
re-exports chapter 5's task from ``data`` under the name the chapter imports.

The build's tools: ``_export`` (the exporter), ``_execute`` (the chapters executed in parallel
into the book's cache), ``_i18n`` (the Korean edition: catalogs, Korean notebooks and site),
``_pdf`` (printing the book) and ``_fast_imports`` (what the build and grading processes skip
to start faster). Importing ``attnbook`` changes nothing global.
"""

__version__ = "0.1.0"
