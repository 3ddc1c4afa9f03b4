"""pytest's set-up for the whole repository (tests/ and the instructor notebooks of solutions/)."""

import pytest

# Under pytest-xdist (`make test`: --dist loadgroup) each test file, and each notebook that nbval
# runs cell by cell, runs on one worker, as with --dist loadfile, except that the files that read
# the built book share one worker: otherwise the second worker to need the book sits idle on the
# build's lock while the first builds it. tryfirst: xdist reads the groups in its own
# pytest_collection_modifyitems, which must come after this one.
BOOK_FILES = {"test_book.py", "test_browser.py", "test_layout.py", "test_pdf.py"}


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    for item in items:
        name = item.path.name
        item.add_marker(pytest.mark.xdist_group("book" if name in BOOK_FILES else str(item.path)))
