"""The exporter on a small course of its own: one import block, hoisted, de-duplicated and sorted;
the cells in notebook order under their markers; a name used before its definition refused."""

from __future__ import annotations

import textwrap
from pathlib import Path

import nbformat
import pytest

from attnbook import _export


def course(tmp_path: Path, *notebooks: list[str]) -> Path:
    """A course folder with ``_toc.yml`` and one notebook per list of exported cell sources."""
    names = []
    for index, cells in enumerate(notebooks, start=1):
        nb = nbformat.v4.new_notebook()
        nb.cells.append(nbformat.v4.new_markdown_cell(f"# Chapter {index}"))
        nb.cells += [nbformat.v4.new_code_cell(textwrap.dedent(source).strip("\n")) for source in cells]
        nb.cells.append(nbformat.v4.new_code_cell("import os\nprint(os.sep)"))  # not exported
        (tmp_path / "notebooks").mkdir(exist_ok=True)
        nbformat.write(nb, tmp_path / "notebooks" / f"{index:02d}_chapter.ipynb")
        names.append(f"notebooks/{index:02d}_chapter")
    toc = "format: jb-book\nroot: intro\nchapters:\n" + "".join(f"- file: {name}\n" for name in names)
    (tmp_path / "_toc.yml").write_text(toc, encoding="utf-8")
    (tmp_path / "attnbook").mkdir()
    return tmp_path


FIRST = ['''
#| export things
import torch
from torch import nn
from attnbook import checks

# the sizes, re-exported: chapter 2 imports them from attnbook.things
from attnbook.data import DATES_CONFIG, Seq2SeqConfig


class Small(nn.Module):
    """A module."""

    def forward(self, x):
        import math  # a function's own import stays where it is

        checks.check_positive_int(1, "one")
        return torch.relu(x) * math.pi
''', '''
#| export things
from __future__ import annotations

import torch
import math
from torch import Tensor, nn


def double(x: Tensor) -> Tensor:
    return Later(x) * 2  # a function body runs later: Later may come after it
''']
SECOND = ['''
#| export things
from torch import nn
from attnbook.things import Small  # chapter 1
import torch.nn.functional as F


class Later(Small):
    def forward(self, x):
        return F.gelu(super().forward(x))
''', '''
#| export other
import sys
''']


def test_imports_are_hoisted_into_one_sorted_block(tmp_path):
    modules = _export.render_modules(course(tmp_path, FIRST, SECOND))
    text = modules["things"]
    assert text == _export.HEADER + textwrap.dedent('''
        from __future__ import annotations

        import math

        import torch
        import torch.nn.functional as F
        from torch import Tensor, nn

        from attnbook import checks
        from attnbook.data import DATES_CONFIG as DATES_CONFIG, Seq2SeqConfig as Seq2SeqConfig


        # From notebooks/01_chapter.ipynb
        class Small(nn.Module):
            """A module."""

            def forward(self, x):
                import math  # a function's own import stays where it is

                checks.check_positive_int(1, "one")
                return torch.relu(x) * math.pi


        # From notebooks/01_chapter.ipynb
        def double(x: Tensor) -> Tensor:
            return Later(x) * 2  # a function body runs later: Later may come after it


        # From notebooks/02_chapter.ipynb
        class Later(Small):
            def forward(self, x):
                return F.gelu(super().forward(x))
        ''')
    # the module's import of itself is gone, the re-exports' comment with its import
    assert "attnbook.things" not in text and "re-exported" not in text
    # a module of imports only: the block and no empty cell marker
    assert modules["other"] == _export.HEADER + "\nimport sys as sys\n"


def test_a_long_from_import_is_wrapped_as_isort_wraps_it(tmp_path):
    names = [f"a_rather_long_function_name_{i}" for i in range(6)]
    cell = f"#| export things\nfrom attnbook.hub import {', '.join(names)}\n\nx = [{', '.join(names)}]"
    text = _export.render_modules(course(tmp_path, [cell]))["things"]
    assert "from attnbook.hub import (\n" + "".join(f"    {n},\n" for n in names) + ")\n\n# From" in text


@pytest.mark.parametrize("later_use", [
    "class Early(Late):\n    pass",                           # a base class
    "class Early:\n    size = Late.size",                      # a class attribute
    "@Late\ndef early():\n    pass",                           # a decorator
    "def early(x=Late):\n    return x",                        # a default value
    "def early(x: Late):\n    return x",                       # an annotation, evaluated at def time
    "EARLY = Late()",                                          # a module-level statement
])
def test_a_name_used_at_module_level_before_its_definition_is_refused(tmp_path, later_use, capsys):
    root = course(tmp_path, [f"#| export things\n{later_use}"], ["#| export things\nclass Late:\n    size = 1"])
    with pytest.raises(_export.ExportError, match=r"'Late' is used at module level in notebooks/01_chapter\.ipynb"
                       r".* before its definition in notebooks/02_chapter\.ipynb: 'class Late:'"):
        _export.render_modules(root)
    assert _export.main(["--check"], root=root) == 1
    assert "cannot export the notebooks: attnbook/things.py: 'Late' is used" in capsys.readouterr().err


def test_what_runs_later_or_is_bound_in_the_class_may_come_first(tmp_path):
    early = '''
    #| export things
    from __future__ import annotations


    def early(x: Late = None):
        return Late() if x is None else x


    class Early:
        Late = 1
        size = Late + 1
        make = staticmethod(lambda: Late())
    '''
    root = course(tmp_path, [early], ["#| export things\nclass Late:\n    pass"])
    assert "class Late" in _export.render_modules(root)["things"]
    assert _export.main([], root=root) == 0
    assert _export.main(["--check"], root=root) == 0


@pytest.mark.parametrize("cells, message", [
    (["#| export things\nfrom torch import nn\n", "#| export things\nfrom jax import nn\nx = nn"],
     "'nn' is imported both from torch.nn and jax.nn"),
    (["#| export things\nimport math\nx = math.pi", "#| export things\ndef math():\n    pass"],
     "math both imported and defined"),
    (["#| export things\nfrom attnbook import things\n"], "imports itself"),
])
def test_imports_that_cannot_share_one_block_are_refused(tmp_path, cells, message):
    with pytest.raises(_export.ExportError, match=message):
        _export.render_modules(course(tmp_path, cells))
