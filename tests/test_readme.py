"""The README's Python example and the example notebook run as written (on the installed package)."""
from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_readme_python_api_example_runs(capsys):
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## Python API"):]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    exec(compile(code, "README.md (Python API)", "exec"), {})
    printed = capsys.readouterr().out
    ec50, ic50 = map(float, re.search(r"EC50 ([\d.]+) pM; SB-431542 IC50 ([\d.]+) nM", printed).groups())
    assert 0.5 < ec50 < 50 and 0.3 * 84 < ic50 < 10 * 84    # B3 window; SB-431542 within B10's 0.3-10x of 84 nM


def test_example_notebook_executes():
    import nbformat
    from nbclient import NotebookClient
    notebook = nbformat.read(REPO / "examples" / "quickstart.ipynb", as_version=4)
    NotebookClient(notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(REPO)}}).execute()
    errors = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.get("outputs", [])
              if o.get("output_type") == "error"]
    assert not errors
    text = "".join(o.get("text", "") for cell in notebook.cells if cell.cell_type == "code"
                   for o in cell.get("outputs", []))
    assert "30-s pulse: pSmad2 peak" in text
