"""The ``alk5`` command, one module per command group: info and exports (:mod:`.info`), simulation and
experiment files (:mod:`.simulation`), scans (:mod:`.scans`), compounds and regimens (:mod:`.compounds`),
behaviours, ensembles and calibration (:mod:`.behaviours`); the shared options live in :mod:`.common`.
The CLI parses and prints only: the work is done by the layers below.

User errors (unknown names, bad numbers or units, bad times) print one line and exit 2;
a solver failure prints the condition that failed and exits 1.
"""
from __future__ import annotations

import sys
from pathlib import Path

from alk5_pysb.cli import behaviours, compounds, info, scans, simulation
from alk5_pysb.cli.common import Parser
from alk5_pysb.errors import UserInputError

#: the command groups, in the order `alk5 --help` lists them
GROUPS = (info, simulation, scans, compounds, behaviours)


def build_parser():
    p = Parser(prog="alk5", description="Rule-based ALK5 (TGF-beta type I receptor) model: export and simulate.")
    sub = p.add_subparsers(dest="command", required=True, parser_class=Parser)
    for group in GROUPS:
        group.add_commands(sub)
    return p


#: optional dependency -> the extra that installs it
EXTRAS = {"pysb": "build", "bionetgen": "build", "antimony": "build", "phrasedml": "build", "libsedml": "build",
          "libcombine": "build", "networkx": "build", "petab": "calibrate", "pypesto": "calibrate", "dask": "dask",
          "distributed": "dask", "COPASI": "crosscheck", "basico": "crosscheck", "tellurium": "crosscheck"}


def _write_provenance(args, argv):
    """A provenance sidecar beside every output the command wrote."""
    from alk5_pysb.io.provenance import record, write_sidecar
    sim, params = getattr(args, "provenance", (None, None))
    data = record(sim, params, argv=argv)
    for output in getattr(args, "outputs", []):
        if Path(output).exists():
            write_sidecar(output, data)


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        status = args.func(args)
        if status == 0:
            _write_provenance(args, sys.argv[1:] if argv is None else list(argv))
        return status
    except ModuleNotFoundError as err:
        top = (err.name or "").split(".")[0]
        if top not in EXTRAS:
            raise
        print(f"alk5: error: `alk5 {args.command}` needs {top}, which comes with the [{EXTRAS[top]}] extra: "
              f"pip install 'alk5-pysb[{EXTRAS[top]}]'", file=sys.stderr)
        return 2
    except UserInputError as err:
        print(f"alk5: error: {_one_line(err)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("alk5: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:    # `alk5 info | head`: the reader has gone; stop quietly, as `cat` would
        _stdout_to_devnull()
        return 141
    except Exception as err:   # solver failures and missing exports: one line, no traceback
        from alk5_pysb.errors import SimulationError
        if isinstance(err, (SimulationError, FileNotFoundError)):
            print(f"alk5: error: {_one_line(err)}", file=sys.stderr)
            return 1
        if isinstance(err, OSError):    # an output path that is a folder, read-only, full ...
            target = err.filename2 or err.filename
            print(f"alk5: error: cannot write {target}: {err.strerror}" if target else f"alk5: error: {_one_line(err)}",
                  file=sys.stderr)
            return 2
        raise


def _one_line(err) -> str:
    return " ".join(str(err).split())


def _stdout_to_devnull():
    """Python flushes stdout at exit; with the pipe closed that would print another BrokenPipeError."""
    import os
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
