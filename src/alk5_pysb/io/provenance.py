"""Provenance sidecars: every result file says what produced it.

``<output>.provenance.json`` beside a CSV/Parquet output (or ``provenance.json`` in a scan folder)
records the package version, the model file and its SHA-256, the network, solver and tolerances,
the parameters changed and the command line, so a number can be traced to the model that made it.
"""
from __future__ import annotations

import datetime
import json
import platform
import sys
from pathlib import Path

from alk5_pysb import __version__
from alk5_pysb.io.files import atomic_write

SUFFIX = ".provenance.json"


def record(sim=None, params=None, argv=None, **extra) -> dict:
    data = {"alk5_pysb": __version__, "created": datetime.datetime.now(datetime.timezone.utc).isoformat(
        timespec="seconds"), "command": ["alk5", *(sys.argv[1:] if argv is None else argv)],
        "python": platform.python_version()}
    if sim is not None:
        data["model"] = sim.provenance()
        try:
            import roadrunner
            data["model"]["libroadrunner"] = roadrunner.__version__
        except (ImportError, AttributeError):
            pass
    if params:
        data["parameters_changed"] = {k: float(v) for k, v in params.items()}
    data.update(extra)
    return data


def sidecar_path(output) -> Path:
    output = Path(output)
    return output / "provenance.json" if output.is_dir() else output.with_name(output.name + SUFFIX)


def write_sidecar(output, data: dict) -> Path:
    path = sidecar_path(output)
    atomic_write(path, json.dumps(data, indent=1, default=str) + "\n")
    return path
