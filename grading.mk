# Instructor targets (book/instructors.md). Included by the Makefile, after $(STAMP) and $(BIN) are defined.
#
#   make grade ASSIGNMENT=03_self_attention SUBMISSIONS=~/class/03/     grade a class
#   make grade ASSIGNMENT=03_self_attention SUBMISSIONS=~/class/03/ STUDENT="alice bob"   re-grade two
#   make grade ASSIGNMENT=03_self_attention SUBMISSIONS="$HOME/class/week 3/"   (spaces: quote the path)
#   make exercises                                                        exercises/ from solutions/
#   make sandbox                                                          install/check bubblewrap
#
# Extra options of `python -m grading grade` go in GRADE_ARGS, for example
#   GRADE_ARGS="--cell-timeout 60 --jobs 4 --work-dir /srv/grading --sandbox require"

GRADE_ARGS ?=

.PHONY: grade exercises sandbox system-deps

grade: $(STAMP)
	@if [ -z "$(ASSIGNMENT)" ] || [ -z "$(SUBMISSIONS)" ]; then \
	  echo "usage: make grade ASSIGNMENT=03_self_attention SUBMISSIONS=folder/ [STUDENT=\"id ...\"] [GRADE_ARGS=...]"; \
	  exit 2; fi
	OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 $(BIN)/python -m grading grade "$(ASSIGNMENT)" "$(patsubst ~%,$(HOME)%,$(SUBMISSIONS))" \
	  $(foreach s,$(STUDENT),--student "$(s)") $(GRADE_ARGS)

exercises: $(STAMP)
	$(BIN)/python -m grading generate

# bubblewrap sandboxes student code while grading. Installs it with apt-get when run as root on
# Debian/Ubuntu (CI); otherwise says how. Then checks that it works here (user namespaces allowed).
sandbox:
	@command -v bwrap >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap; \
	  else \
	    echo "bubblewrap is missing: install it (Debian/Ubuntu: sudo apt-get install bubblewrap)"; exit 1; \
	  fi; }
	$(PYTHON) -m grading sandbox

# System packages the tests and the PDF need, from Debian's packages (CI runs as root): bubblewrap
# (grading sandbox), Chromium and its driver (browser tests, `make pdf`), poppler-utils (pdftotext)
# a CJK font (Korean glyphs) and GNU gettext (msgmerge, msginit: the Korean edition's catalogs,
# attnbook/_i18n/). Installs only what is missing; elsewhere it says what to install.
# BROWSER_DEPS= (empty) where a Chromium is already there: GitHub's runners have Google Chrome.
BROWSER_DEPS ?= chromium chromium-driver
SYSTEM_DEPS := bubblewrap $(BROWSER_DEPS) poppler-utils fonts-noto-cjk gettext
system-deps:
	@missing=""; for p in $(SYSTEM_DEPS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	  else echo "missing system packages:$$missing (Debian/Ubuntu: sudo apt-get install$$missing)"; exit 1; fi; fi
