"""Repository hygiene: no absolute machine paths in committed files (cite sources, not folders)."""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# home, work, temporary and mount folders of a machine (Unix, macOS, Windows)
MACHINE_PATH = re.compile(r"(?<![\w.~-])(/(?:work|home|root|Users|tmp|mnt|opt|private/var)/[\w.-]+"
                          r"|[A-Za-z]:\\\\(?:Users|Documents and Settings)\\\\)")


def test_no_absolute_machine_paths_in_committed_files():
    files = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, text=True,
                           check=True).stdout.split("\0")
    hits = []
    for name in filter(None, files):
        path = REPO / name
        if not path.is_file() or path.suffix in {".png", ".omex", ".parquet"}:
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        for number, line in enumerate(text.splitlines(), 1):
            match = MACHINE_PATH.search(line)
            if match:
                hits.append(f"{name}:{number}: {match.group(0)}")
    assert not hits, "absolute machine paths in committed files:\n" + "\n".join(hits[:20])


def test_every_shipped_data_folder_goes_into_the_wheel():
    """Each folder of data (contexts, ensembles) is a package with its files listed, or a wheel user would meet
    'unknown context' for a context the checkout has."""
    import tomllib
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    data = REPO / "src" / "alk5_pysb" / "data"
    for folder in [p for p in (data / "contexts").iterdir() if p.is_dir() and not p.name.startswith("__")]:
        package = f"alk5_pysb.data.contexts.{folder.name}"
        assert package in config["packages"], f"{package} is not packaged"
        suffixes = {f.suffix for f in folder.iterdir() if f.is_file()}
        patterns = set(config["package-data"].get(package, []))
        assert {f"*{s}" for s in suffixes} <= patterns, f"{package}: files {suffixes} not all in package-data {patterns}"


def test_written_summaries_carry_six_significant_digits():
    """Committed JSON results are rounded at write (io.files.rounded), so a rerun on another machine, whose last
    bits differ, leaves them unchanged (issue 20, defect 3)."""
    import json
    from alk5_pysb.io.files import rounded
    for path in sorted((REPO / "figures").glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        assert rounded(data) == data, f"{path.name} holds floats with more than 6 significant digits"
