"""The runner: executes an experiment file (or an Experiment with its scan) and writes its results.

- no scan: the experiment's time course -> ``<out>/<name>.csv``
- a grid over ``ligand_dose`` only: a dose-response with Hill fits -> ``<name>.csv`` + ``<name>.fits.csv``
- a grid over ``inhibitor_dose`` (and optionally ``compound``): an inhibition scan with IC50 fits, the
  untreated control included -> ``<name>.csv`` + ``<name>.fits.csv``
- any other scan: the scan engine -> ``<out>/results.parquet`` (one row per condition)

Every branch streams its conditions through the scan engine (executors, chunks, resume, locks).
The CLI parses options, calls :func:`run_file` and prints the :class:`RunResult`.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from alk5_pysb.analysis.dose_response import EngineOptions, dose_response, inhibition, remove_outputs
from alk5_pysb.errors import UserInputError
from alk5_pysb.io.experiment_files import ExperimentFile, compound_names, conditions
from alk5_pysb.io.files import atomic_write, make_folder
from alk5_pysb.simulation.engine import check_options, run_scan
from alk5_pysb.simulation.experiment import AXES, LABEL_COLUMNS


@dataclass
class RunResult:
    kind: str                            # time course | dose-response | inhibition | scan
    outputs: list[Path]
    data: pd.DataFrame
    fits: pd.DataFrame | None = None
    conditions: int = 0
    failed: int = 0
    extra: dict = field(default_factory=dict)


def kind_of(spec: ExperimentFile) -> str:
    scan = spec.scan
    if scan is None:
        return "time course"
    names = [a.name for a in scan.axes]
    if scan.design == "grid" and names == ["ligand_dose"]:
        return "dose-response"
    if scan.design == "grid" and sorted(names) in (["inhibitor_dose"], ["compound", "inhibitor_dose"]):
        return "inhibition"
    return "scan"


def run_file(sim, spec: ExperimentFile, params: dict, outdir, engine: EngineOptions | None = None,
             resume: bool = False, force: bool = False, allow_large: bool = False, chunk_size: int | None = None,
             restart_option: str | None = "--force", members=None) -> RunResult:
    """Run ``spec`` (parameters already resolved to absolute values) into the folder ``outdir``.
    Everything that can be refused (options, conditions, compounds) is checked before the folder is made.
    ``members`` (an ensemble, see uncertainty.py): every condition under every member; time courses and fits
    are reported as median and 90% band, every member kept beside them."""
    engine = engine or EngineOptions()
    experiment = spec.experiment(params)
    sim.check_readouts(experiment.readouts)
    check_options(engine.executor, engine.workers, chunk_size, resume, force)
    kind = kind_of(spec)
    table = conditions(spec.scan, allow_large=allow_large) if spec.scan is not None else None
    if kind == "scan" and spec.scan.design == "csv":
        _check_columns(sim, spec, table)
    compounds = _inhibitors(spec, experiment) if kind == "inhibition" else None
    outdir = make_folder(outdir, "the results of an experiment file")
    out = outdir / f"{spec.name}.csv"
    if kind in ("time course", "dose-response", "inhibition") and force and not resume:
        remove_outputs(out)
    if kind == "time course":
        if out.exists() and not force:
            raise UserInputError(f"{out} exists: use --force to overwrite it")
        if members is not None:
            from alk5_pysb.analysis.uncertainty import write_time_courses
            readouts = list(experiment.readouts or sim.readouts())
            frame, long, member_file = write_time_courses(sim, experiment, members, readouts, out)
            return RunResult(kind, [out, member_file], frame, conditions=len(members),
                             failed=int(long.loc[long["error"] != "", "member"].nunique()))
        frame = sim.run(experiment)
        atomic_write(out, frame.to_csv(index=False, float_format="%.6g"))
        return RunResult(kind, [out], frame, conditions=1)
    if kind == "dose-response":
        doses = spec.scan.axes[0].values
        data, fits = dose_response(sim, experiment, doses, out=out, resume=resume, engine=engine, members=members)
        return _fitted(kind, out, data, fits)
    if kind == "inhibition":
        doses = [d for a in spec.scan.axes if a.name == "inhibitor_dose" for d in a.values if d > 0]
        data, fits = inhibition(sim, dataclasses.replace(experiment, compound=None), compounds, doses, out=out,
                                resume=resume, engine=engine, members=members)
        return _fitted(kind, out, data, fits)
    if members is not None:
        from alk5_pysb.analysis.uncertainty import with_members
        table = with_members(table, members)
    results = run_scan(sim, experiment, table, outdir, executor=engine.executor, workers=engine.workers,
                       scheduler=engine.scheduler, chunk_size=chunk_size, resume=resume, force=force,
                       restart_option=restart_option)
    failed = int((results["error"] != "").sum()) if "error" in results else 0
    return RunResult(kind, [outdir], results, conditions=len(table), failed=failed)


def _inhibitors(spec: ExperimentFile, experiment) -> list:
    """The compounds of an inhibition scan (a compound axis, or the experiment's compound)."""
    axes = {a.name: a.values for a in spec.scan.axes}
    if not any(d > 0 for d in axes["inhibitor_dose"]):
        raise UserInputError(f"{spec.origin}: an inhibitor_dose scan needs at least one dose > 0 (the untreated "
                             "control is added to it)")
    if "compound" in axes:
        from alk5_pysb.pharmacology.compounds import get_compound
        return [get_compound(name) for name in axes["compound"]]
    if experiment.compound is not None:
        return [experiment.compound]
    raise UserInputError(f"{spec.origin}: an inhibitor_dose scan needs compound = \"...\" or ki = \"30nM\" in "
                         "[experiment], or a compound axis")


def _check_columns(sim, spec: ExperimentFile, table):
    """A conditions file names axes, label columns or parameters of the network that runs it; its compounds
    are in the library."""
    unknown = [str(c) for c in table.columns if c not in AXES and c not in LABEL_COLUMNS and c not in sim.table_parameters]
    if unknown:
        raise UserInputError(f"{spec.origin}: conditions file {spec.scan.conditions_file}: unknown column(s) "
                             f"{', '.join(unknown)}; valid columns are {', '.join(AXES)} or any model parameter "
                             "(see `alk5 info`)")
    if "compound" in table:
        compound_names(sorted(set(table["compound"].dropna().astype(str))), spec.origin)


def _fitted(kind, out: Path, data, fits) -> RunResult:
    fits_path = out.with_name(out.stem + ".fits.csv")
    outputs = [out, fits_path]
    if "member" in fits:          # an ensemble: the band of each EC50/IC50, every member's fit beside it
        from alk5_pysb.analysis.uncertainty import fit_bands
        member_path = out.with_name(out.stem + ".member_fits.csv")
        atomic_write(member_path, fits.to_csv(index=False, float_format="%.6g"))
        fits = fit_bands(fits)
        outputs.append(member_path)
    atomic_write(fits_path, fits.to_csv(index=False, float_format="%.6g"))
    # the tidy data has one row per condition, readout and metric: count conditions, not rows
    labels = [c for c in data.columns if c not in ("readout", "metric", "value", "unit", "error")]
    per_condition = data.drop_duplicates(subset=labels)
    failed = int((per_condition["error"].fillna("") != "").sum()) if "error" in data else 0
    return RunResult(kind, outputs, data, fits, conditions=len(per_condition), failed=failed)
