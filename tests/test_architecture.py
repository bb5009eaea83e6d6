"""The architecture the docs describe holds in the code: layers that import only downwards (the import-linter
contract in pyproject.toml) and no import circle between modules."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _lint_imports(pythonpath=None):
    exe = Path(sys.executable).with_name("lint-imports")
    if not exe.exists():
        pytest.fail("lint-imports is missing: install the [test] extra (import-linter)")
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}     # its report draws with non-ASCII characters
    if pythonpath:
        env["PYTHONPATH"] = str(pythonpath)
    return subprocess.run([str(exe), "--config", str(ROOT / "pyproject.toml"), "--no-cache"], cwd=ROOT,
                          capture_output=True, encoding="utf-8", errors="replace", env=env)


def test_layers_import_only_downwards():
    res = _lint_imports()
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-2000:]
    assert "1 kept, 0 broken" in res.stdout


def test_the_contract_catches_an_upward_import(tmp_path):
    """A copy of the package whose receptor module imports the CLI breaks the contract."""
    import alk5_pysb
    copy = tmp_path / "alk5_pysb"
    shutil.copytree(Path(alk5_pysb.__file__).parent, copy, ignore=shutil.ignore_patterns("data", "exports", "__pycache__"))
    receptor = copy / "model" / "receptor.py"
    receptor.write_text(receptor.read_text(encoding="utf-8") + "\n\ndef _upward():\n    from alk5_pysb.cli import common\n",
                        encoding="utf-8")
    res = _lint_imports(pythonpath=tmp_path)
    assert res.returncode == 1
    assert "alk5_pysb.model.receptor -> alk5_pysb.cli.common" in res.stdout


def test_no_import_circle_between_modules():
    import grimp
    graph = grimp.build_graph("alk5_pysb", cache_dir=None)
    circles = sorted({tuple(sorted((a, b))) for a in graph.modules for b in graph.find_modules_directly_imported_by(a)
                      if a != b and graph.chain_exists(importer=b, imported=a)})
    assert not circles, f"modules that import each other (directly or through others): {circles}"
