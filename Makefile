# attnbook: `make book` builds the book, `make test` runs every test.
# Both create (or refresh) the virtual environment .venv with the pinned versions first.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# The course downloads its data; an offline mirror beside the repository is used first.
SHARED_DATA := $(abspath ../shared/data)
ifneq ($(wildcard $(SHARED_DATA)/.),)
export ATTNBOOK_DATA ?= $(SHARED_DATA)
endif
TORCH := torch==2.13.0
TORCH_CPU_INDEX ?= https://download.pytorch.org/whl/cpu

.PHONY: all venv book test export lint clean widgets-js bench pdf translations ko-notebooks translation-report book-ko pdf-ko

all: book

venv: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	# The CPU build of torch, never a CUDA one: a local/find-links +cpu wheel first,
	# then PyTorch's CPU index, then PyPI (macOS wheels there are CPU builds).
	$(BIN)/python -m pip install "$(TORCH)+cpu" \
	  || $(BIN)/python -m pip install "$(TORCH)+cpu" --index-url $(TORCH_CPU_INDEX) \
	  || $(BIN)/python -m pip install "$(TORCH)"
	$(BIN)/python -m pip install -r requirements.txt
	$(BIN)/python -m pip install --no-deps --no-build-isolation -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (attnbook)"
	touch $(STAMP)

export: $(STAMP)
	$(BIN)/python -m attnbook._export

# The linter (settings: pyproject.toml's [tool.ruff]); `make test` runs it too (tests/test_package.py).
lint: $(STAMP)
	$(BIN)/python -m ruff check attnbook grading tests benchmarks

# The JavaScript that the book serves itself: MathJax and the ipywidgets manager (nb_ipywidgets_js, html_extra_path in
# _config.yml): npm packages at the exact versions of package-lock.json, installed into node_modules/.
NPM ?= npm
WIDGETS_JS := node_modules/requirejs/require.js node_modules/@jupyter-widgets/html-manager/dist/embed-amd.js \
  node_modules/mathjax/es5/tex-svg-full.js

widgets-js: node_modules/.attnbook-widgets-stamp

node_modules/.attnbook-widgets-stamp: package.json package-lock.json
	$(NPM) ci --ignore-scripts --no-audit --no-fund
	@for f in $(WIDGETS_JS); do test -s $$f || { echo "npm ci did not install $$f" >&2; exit 1; }; done
	touch $@

# Both editions: English at the root of _build/html, Korean in _build/html/ko (Sphinx's i18n
# with the catalogs of locale/ko, the notebooks' outputs read from the English build's
# execution cache: the Korean build executes no notebook and fails if it would).
book: $(STAMP) widgets-js
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/python -m attnbook._execute . || echo "attnbook._execute: a notebook was not cached; the build below executes it (and shows why)"
	PATH="$(abspath $(BIN)):$$PATH" OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 \
	  $(BIN)/jupyter-book build . -W -n --keep-going
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/python -m attnbook._i18n build

# The Korean site alone (after `make book` has filled the execution cache).
book-ko: $(STAMP) widgets-js
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/python -m attnbook._i18n build

# The Korean edition's catalogs (attnbook/_i18n/): the .pot files from the English sources
# (Sphinx's gettext builder, no execution), GNU msgmerge --previous into locale/ko/LC_MESSAGES
# (a changed English paragraph becomes fuzzy, its old English kept), then the Korean notebooks
# ko/notebooks and ko/exercises, and the report (translated / fuzzy / untranslated per page).
translations: $(STAMP)
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/python -m attnbook._i18n update
	$(BIN)/python -m grading translations
	$(BIN)/python -m attnbook._i18n notebooks
	$(BIN)/python -m attnbook._i18n report

ko-notebooks: $(STAMP)
	$(BIN)/python -m attnbook._i18n notebooks

# Strict: fails unless the pages marked complete (attnbook/_i18n/settings.py COMPLETE) are fully translated.
translation-report: $(STAMP)
	$(BIN)/python -m attnbook._i18n report --strict

# The whole book as one PDF, $(PDF) (and beside the site, _build/html/attnbook.pdf, when the site is
# built). The single-page HTML reads the notebooks' outputs from the execution cache that `make book`
# filled (a notebook changed since then is executed again); headless Chromium prints it once MathJax
# has typeset every formula (attnbook/_pdf.py). Chromium and a CJK font: `make system-deps`.
PDF := _build/pdf/attnbook.pdf
CHROMIUM ?= chromium
pdf: $(STAMP) widgets-js
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/jupyter-book build . --builder singlehtml -n --keep-going
	$(BIN)/python -m attnbook._pdf _build/singlehtml $(PDF) --chromium "$(CHROMIUM)"
	if [ -d _build/html ]; then cp $(PDF) _build/html/attnbook.pdf; fi

# The Korean PDF, $(PDF_KO) (and _build/html/ko/attnbook.pdf when the Korean site is built):
# the Korean single page, from the same execution cache, printed the same way.
PDF_KO := _build/pdf/attnbook-ko.pdf
pdf-ko: $(STAMP) widgets-js
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/python -m attnbook._i18n build --builder singlehtml --allow-warnings
	$(BIN)/python -m attnbook._pdf _build/singlehtml/ko $(PDF_KO) --chromium "$(CHROMIUM)"
	if [ -d _build/html/ko ]; then cp $(PDF_KO) _build/html/ko/attnbook.pdf; fi

# Each chapter notebook is executed once, for the book build of tests/test_book.py (attnbook._execute
# runs them two at a time into the build's cache first; a failing cell fails the build); nbval runs
# the instructor notebooks of solutions/.
test: $(STAMP) widgets-js
	PATH="$(abspath $(BIN)):$$PATH" OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 \
	  $(BIN)/python -m pytest -n 2 --dist loadfile --no-loadscope-reorder --nbval-lax -p no:cacheprovider \
	  --durations=15 tests solutions

# The benchmark scripts whose figures the issues and release notes report (printed, not asserted).
bench: $(STAMP)
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/python benchmarks/time_notebooks.py
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/python benchmarks/bench_attention.py
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/python benchmarks/bench_minilm.py
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/python benchmarks/bench_llm.py
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/python benchmarks/bench_grading.py

clean:
	rm -rf _build

include grading.mk
