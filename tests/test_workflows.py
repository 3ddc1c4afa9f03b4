"""The book publishes itself: the GitHub Actions workflows pass actionlint and run the README's
commands (the Makefile's targets, no second recipe); the site knows where it lives (one setting in
_config.yml, which the README's badge and every chapter's Colab install cell agree with), and has a
favicon and a logo."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import nbformat
import pytest
import yaml

from attnbook import _export

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = ROOT / ".github" / "workflows"
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
SITE = CONFIG["html"]["baseurl"]
REPOSITORY = CONFIG["repository"]["url"]


def actionlint() -> str:
    """actionlint from this environment (requirements.txt pins its PyPI wheel), else from PATH."""
    beside = Path(sys.executable).with_name("actionlint")
    found = str(beside) if beside.exists() else shutil.which("actionlint")
    assert found, "actionlint is not installed: `make test` installs it from requirements.txt"
    return found


def workflow(name: str) -> dict:
    data = yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))
    data["on"] = data.pop(True, data.get("on"))  # YAML 1.1 reads the key `on` as true
    return data


def steps(data: dict) -> list[dict]:
    return [step for job in data["jobs"].values() for step in job.get("steps", [])]


def uses(data: dict, action: str) -> dict:
    found = [step for step in steps(data) if step.get("uses", "").split("@")[0] == action]
    assert found, f"no step uses {action}"
    return found[0]


def readme_commands() -> list[str]:
    """The commands of the README's "The two commands" block."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"## The two commands\s+```bash\n(.*?)```", readme, re.S)
    assert block, "README.md has no bash block under 'The two commands'"
    return [line.split("#")[0].strip() for line in block.group(1).splitlines() if line.strip()]


def make_targets() -> set[str]:
    text = "\n".join((ROOT / name).read_text(encoding="utf-8") for name in ("Makefile", "grading.mk"))
    return set(re.findall(r"^([A-Za-z][\w-]*):(?!=)", text, re.M))


def test_workflows_pass_actionlint():
    files = sorted(WORKFLOWS.glob("*.yml"))
    assert {f.name for f in files} >= {"book.yml", "tests.yml"}, files
    result = subprocess.run([actionlint(), "-color=false", *map(str, files)], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_catches_a_broken_workflow(tmp_path):
    broken = tmp_path / "broken.yml"
    broken.write_text("on:\n  push:\n    branch: main\njobs:\n  build:\n    runs-on: ubuntu-latest\n"
                      "    steps:\n      - uses: actions/setup-python@v7\n        with:\n"
                      "          python_version: '3.11'\n", encoding="utf-8")
    result = subprocess.run([actionlint(), "-color=false", str(broken)], capture_output=True, text=True)
    assert result.returncode == 1, result.stdout + result.stderr
    assert '"branch"' in result.stdout and "python_version" in result.stdout, result.stdout


def test_workflows_run_only_makefile_targets():
    """Every shell step is `make <target>` (or .ci/run, which calls `make test`): the Makefile's
    recipes, the ones a reader runs, and no second copy of them in YAML."""
    targets = make_targets()
    for name in ("book.yml", "tests.yml"):
        for step in steps(workflow(name)):
            if "run" not in step:
                continue
            command = step["run"].strip()
            assert "\n" not in command, f"{name}: a multi-line recipe in YAML: {command!r}"
            if command == "bash .ci/run":
                continue
            match = re.fullmatch(r"(?:sudo )?make ([\w-]+)(?: [A-Z_]+=\S*)*", command)
            assert match, f"{name}: {command!r} is not a Makefile target"
            assert match.group(1) in targets, f"{name}: the Makefile has no target {match.group(1)!r}"
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert re.search(r"^make test$", ci, re.M), ".ci/run does not run `make test`"


def test_book_workflow_builds_with_the_readme_command_and_deploys_pages():
    data = workflow("book.yml")
    assert data["on"]["push"]["branches"] == ["main"]
    assert data["permissions"]["pages"] == "write" and data["permissions"]["id-token"] == "write"
    assert data["concurrency"]["group"]
    runs = [step["run"] for step in steps(data) if "run" in step]
    assert "make book" in readme_commands() and "make book" in runs and "make pdf" in runs, runs
    assert runs.index("make book") < runs.index("make pdf")
    assert uses(data, "actions/upload-pages-artifact")["with"]["path"] == "_build/html"
    deploy = [job for job in data["jobs"].values()
              if any(s.get("uses", "").startswith("actions/deploy-pages@") for s in job["steps"])]
    assert deploy and deploy[0]["needs"] == "build" and deploy[0]["environment"]["name"] == "github-pages"
    assert "_build/html/attnbook.pdf" in (ROOT / "Makefile").read_text(encoding="utf-8"), \
        "make pdf does not put the PDF beside the site"


def test_tests_workflow_runs_the_readme_test_command_on_pushes_and_pull_requests():
    data = workflow("tests.yml")
    assert "push" in data["on"] and "pull_request" in data["on"]
    assert "make test" in readme_commands()
    assert "bash .ci/run" in [step.get("run") for step in steps(data)]


@pytest.mark.parametrize("name", ["book.yml", "tests.yml"])
def test_workflows_cache_pip_and_npm(name):
    data = workflow(name)
    python = uses(data, "actions/setup-python")["with"]
    assert python["cache"] == "pip" and python["cache-dependency-path"] == "requirements.txt"
    assert python["python-version"] == "3.11"
    assert uses(data, "actions/setup-node")["with"]["cache"] == "npm"


def test_site_knows_where_it_lives():
    assert re.fullmatch(r"https://[\w.-]+/([\w.-]+/)*", SITE), f"html.baseurl {SITE!r}: https, ending in /"
    assert re.fullmatch(r"https://github\.com/[\w.-]+/[\w.-]+", REPOSITORY), REPOSITORY
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    badge = re.search(r"\[!\[[^\]]*\]\([^)]*\)\]\(([^)]+)\)", readme)
    assert badge and badge.group(1) == SITE, "the README's first badge does not link to html.baseurl"
    owner_repo = REPOSITORY.removeprefix("https://github.com/")
    assert f"github.com/{owner_repo}/actions/workflows/tests.yml" in readme, "no tests badge in README.md"


@pytest.mark.parametrize("page", [p for p in _export.toc_entries(ROOT) if p.startswith("notebooks/")])
def test_colab_install_cell_uses_the_repository_url(page):
    """The one repository URL of _config.yml (launch buttons) is also the one each chapter installs
    the package from on Colab."""
    nb = nbformat.read(ROOT / f"{page}.ipynb", as_version=4)
    installs = [cell.source for cell in nb.cells
                if cell.cell_type == "code" and "%pip install" in cell.source]
    assert any(f"attnbook @ git+{REPOSITORY}" in source for source in installs), \
        f"{page}: no Colab install cell installing attnbook from git+{REPOSITORY}"
    for source in installs:
        for url in re.findall(r"git\+(https://[^\s\"'@]+)", source):
            assert url.removesuffix(".git") == REPOSITORY, f"{page} installs from {url}"


@pytest.mark.parametrize("key", ["logo", "favicon"])
def test_logo_and_favicon_are_svg(key):
    path = CONFIG["logo"] if key == "logo" else CONFIG["html"]["favicon"]
    assert path, f"_config.yml sets no {key}"
    root = ET.parse(ROOT / path).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg", f"{path} is not an SVG"
    assert root.get("viewBox"), f"{path} has no viewBox: it would not scale"
    assert len(list(root.iter())) > 3, f"{path} draws nothing"
