"""What a translation must keep of its English: roles, links, glue keys, math and inline code
(:func:`check_message`), and the particles after a glued value (:func:`glue_particles`)."""

from __future__ import annotations

import re

# A backtick span, read left to right: a role when `{name}` comes right before it, else inline
# code (so the `{n}` of `y_{n}` inside code is not taken for a role).
_SPAN = re.compile(r"(?:\{([\w:.-]+)\})?`([^`]*)`")
_MATH = re.compile(r"(?<![\\$])\$\$?([^$]+)\$\$?")
_CODE = re.compile(r"(?<![`}])`([^`]+)`")
_LINK = re.compile(r"\]\(([^)\s]+)\)|<(https?://[^>\s]+)>")
_GLUE_ROLES = ("glue:text", "glue:", "glue", "glue:md", "glue:any")
# A particle whose form depends on the last sound of the word before it (KOREAN.md, style 5).
_PARTICLES = ("은", "는", "이", "가", "을", "를", "와", "과", "으로", "로", "이나", "나",
              "이라고", "라고")


def _roles(text: str) -> list[tuple[str, str]]:
    """The ``{name}`content``` roles of a message, as (name, content), outside inline code."""
    return [(name, content) for name, content in _SPAN.findall(text) if name]


def _glue_key(content: str) -> str:
    """``NN_name.ipynb::key:.1%`` -> ``key:.1%`` (the document part is where the key is); a
    Korean twin ``key_ko`` (``attnbook.glue.glue(..., ko=...)``) stands for ``key``, and the
    format ``:s`` for none (it is myst-nb's default)."""
    key = content.split("::", 1)[1] if "::" in content else content
    name, colon, spec = key.partition(":")
    if spec == "s":
        colon = spec = ""
    return (name.removesuffix("_ko") if name.endswith("_ko") else name) + colon + spec


def _glue_role(name: str) -> str:
    """``glue:text`` pastes formatted text; the others paste the value's richest form. A
    translation writes ``{glue}`` where the English has ``{glue:md}``: myst-nb pastes
    Markdown only from the page's own notebook, not through a ``NN_name.ipynb::key``."""
    return name if name == "glue:text" else "glue"


def placeholders(text: str) -> dict[str, list[str]]:
    """The parts of a message a translation must keep, each sorted: roles with their
    targets (a ``{term}`` may show other words: only its target counts), glued keys with
    their format, math, inline code and link targets."""
    roles, glues = [], []
    for name, content in _roles(text):
        if name in _GLUE_ROLES:
            glues.append(f"{_glue_role(name)}:{_glue_key(content)}")
        else:
            target = content.rsplit("<", 1)[1].rstrip(">") if content.endswith(">") and "<" in content else content
            roles.append(f"{name}:{target}")
    rest = _SPAN.sub(lambda m: " " if m.group(1) else m.group(0), text)
    return {
        "roles": sorted(roles),
        "glue": sorted(glues),
        "math": sorted(m.strip() for m in _MATH.findall(rest)),
        "code": sorted(_CODE.findall(_MATH.sub(" ", rest))),
        # a link into the repository may open the Korean copy (…/blob/main/ko/exercises/…)
        "links": sorted(re.sub(r"(/blob/[^/]+/)ko/", r"\1", a or b)
                        for a, b in _LINK.findall(rest)),
    }


def check_message(msgid: str, msgstr: str, page: str = "") -> list[str]:
    """What the translation ``msgstr`` breaks of ``msgid``: a role, link target, glue key,
    math or inline code changed or dropped; a glue reference that would be pasted empty
    (without its notebook, ``NN_name.ipynb::key``; a ``{glue:text}`` without a format; a
    ``{glue:md}``, which must be ``{glue}`` in a translation); a glued value
    followed directly by a particle whose form depends on the number; bold or emphasis that
    will not render; a numbered heading "3. ..." not written "3\\. ...". Empty: fine."""
    problems = []
    want, got = placeholders(msgid), placeholders(msgstr)
    for kind in want:
        if want[kind] != got[kind]:
            problems.append(f"{kind} differ: English {want[kind]}, Korean {got[kind]}")
    for name, content in _roles(msgstr):
        if name not in _GLUE_ROLES:
            continue
        if "::" not in content:
            problems.append(f"{{{name}}}`{content}` needs its notebook: "
                            f"`{{{name}}}`NN_name.ipynb::{content}`")
        elif name == "glue:text" and ":" not in content.split("::", 1)[1]:
            # myst-nb takes the text after the last colon for the format: the key would be
            # "NN_name.ipynb:" and the value would be pasted empty
            problems.append(f"{{{name}}}`{content}` is pasted empty: give it a format, "
                            f"`{{{name}}}`{content}:s`")
        elif name == "glue:md":
            problems.append(f"{{{name}}}`{content}` is pasted empty (myst-nb pastes Markdown "
                            f"only from the page's own notebook): write {{glue}}`{content}`")
    problems += glue_particles(msgstr)
    # CommonMark: a closing ** or * after punctuation must not be followed by a letter, so
    # "**어텐션(attention)**을" stays literal asterisks (KOREAN.md: the parenthesis outside).
    for match in re.finditer(r"(\*\*?)(?=\S)[^*\n]*?[^\w\s*]\1(?=\w)", msgstr):
        problems.append(f"{match.group(0)!r}: emphasis ending in punctuation right before a "
                        "letter does not render; move the punctuation out or add a space")
    # A message that is a whole "3. Title" parses as a list unless written "3\. Title".
    if re.match(r"\d+[.)] ", msgid) and re.match(r"\d+[.)] ", msgstr):
        problems.append(f"{msgstr[:20]!r}...: write the number as `{msgstr.split()[0][:-1]}\\"
                        f"{msgstr.split()[0][-1]}` (else Sphinx keeps the English)")
    return problems


def glue_particles(text: str) -> list[str]:
    """Glued values followed directly by a particle whose form depends on the number's
    last sound (은/는, 이/가, 을/를, 와/과, (으)로, (이)나, (이)라고)."""
    found = []
    for match in re.finditer(r"\{glue(?::\w*)?\}`[^`]*`(\S*)", text):
        after = match.group(1)
        for particle in sorted(_PARTICLES, key=len, reverse=True):
            if after.startswith(particle):
                found.append(f"a particle right after a glued value: {match.group(0)!r}")
                break
    return found
