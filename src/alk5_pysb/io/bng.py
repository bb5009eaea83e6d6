"""Find BioNetGen's BNG2.pl without any manual set-up.

Order: a valid ``BNGPATH`` (a folder holding ``BNG2.pl``), else the copy shipped by the
``bionetgen`` PyPI package (``bionetgen/bng-linux``). PySB is pointed at the result.
"""
from __future__ import annotations

import importlib.util
import os
import platform
from pathlib import Path


class BioNetGenNotFound(RuntimeError):
    pass


def _bundled_bng_dir() -> Path | None:
    spec = importlib.util.find_spec("bionetgen")
    if spec is None or not spec.submodule_search_locations:
        return None
    root = Path(list(spec.submodule_search_locations)[0])
    sub = {"Darwin": "bng-mac", "Windows": "bng-win"}.get(platform.system(), "bng-linux")
    folder = root / sub
    return folder if (folder / "BNG2.pl").is_file() else None


def find_bng() -> Path:
    """Return the folder holding BNG2.pl (BNGPATH if valid, else the bionetgen package's)."""
    env = os.environ.get("BNGPATH")
    if env and (Path(env) / "BNG2.pl").is_file():
        return Path(env)
    bundled = _bundled_bng_dir()
    if bundled is None:
        hint = f" (BNGPATH={env!r} holds no BNG2.pl)" if env else ""
        raise BioNetGenNotFound(
            "BioNetGen not found" + hint + ": install the 'bionetgen' package (pip install bionetgen) "
            "or set BNGPATH to a folder containing BNG2.pl")
    return bundled


def configure_pysb() -> Path:
    """Point PySB at BioNetGen; idempotent. Returns the BNG folder."""
    folder = find_bng()
    os.environ["BNGPATH"] = str(folder)
    import pysb.pathfinder
    pysb.pathfinder.set_path("bng", str(folder))
    return folder
