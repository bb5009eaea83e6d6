"""The documentation: the site builds with warnings as errors, every tutorial's Python runs as written, the README
stays an entry page and every command of its first session runs."""
from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
TUTORIALS = sorted((REPO / "docs" / "tutorials").glob("*.md"))


def _python_blocks(path: Path) -> list[str]:
    return re.findall(r"```python\n(.*?)```", path.read_text(encoding="utf-8"), re.S)


def test_site_builds_strict(tmp_path):
    pytest.importorskip("mkdocs")
    subprocess.run([sys.executable, str(REPO / "scripts" / "docs_pages.py")], check=True, cwd=REPO,
                   capture_output=True)
    res = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(tmp_path / "site")], cwd=REPO,
                         capture_output=True, text=True)
    assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-2000:]
    site = tmp_path / "site"
    endothelial = (site / "generated" / "model" / "endothelial" / "index.html").read_text(encoding="utf-8")
    assert "kon_BMP9_ALK1" in endothelial and "sub-nanomolar" in endothelial      # table and docstring both rendered
    assert "resting_state" in (site / "api" / "index.html").read_text(encoding="utf-8")
    assert (site / "tutorials" / "epithelial" / "index.html").is_file()


@pytest.mark.parametrize("tutorial", [p for p in TUTORIALS if _python_blocks(p)], ids=lambda p: p.stem)
def test_tutorial_runs_as_written(tutorial, capsys):
    namespace: dict = {}
    for i, block in enumerate(_python_blocks(tutorial)):
        exec(compile(block, f"{tutorial.name} (block {i + 1})", "exec"), namespace)
    assert capsys.readouterr().out.strip(), f"{tutorial.name} printed nothing"


def test_readme_is_an_entry_page_and_its_first_session_runs(tmp_path):
    text = (REPO / "README.md").read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 250
    session = text[text.index("## A first session"):]
    commands = [line.split("#")[0].strip() for line in re.search(r"```bash\n(.*?)```", session, re.S).group(1).splitlines()]
    commands = [c for c in commands if c.startswith("alk5 ") and not c.startswith("alk5 validate")]    # validate: tests
    assert len(commands) >= 5
    for command in commands:
        args = shlex.split(command)[1:]
        res = subprocess.run([sys.executable, "-m", "alk5_pysb.cli", *args], cwd=tmp_path, capture_output=True, text=True)
        assert res.returncode == 0, f"{command}: {res.stderr[-500:]}"
    for link in re.findall(r"\]\((docs/[^)#]+)\)", text):                  # links into docs/ point at pages
        if not link.startswith("docs/generated/"):
            assert (REPO / link).is_file(), link
