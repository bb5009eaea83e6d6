"""Scan files (TOML): axes, design, readouts and metrics of a large scan.

    [scan]
    name = "dose_x_inhibitor"
    design = "grid"                 # grid | lhs | sobol | csv
    readouts = ["pSmad2", "p38_active"]
    metrics = ["at:60min"]
    ligand = "TGFB1"
    ligand_dose = "100pM"           # used when ligand_dose is not an axis
    compound = "SB-431542"          # optional: inhibitor for the inhibitor_dose axis
    pretreat = "60min"              # optional: inhibitor pre-treatment
    samples = 256                   # lhs: conditions; sobol: base samples N (N*(2D+2) conditions)
    seed = 1
    conditions = "my_conditions.csv"  # design = "csv": one column per axis
    [[scan.axis]]
    name = "ligand_dose"            # ligand_dose, inhibitor_dose, pretreat, inhibitor_at, inhibitor_washout,
    values = "1pM:1nM:10"           # washout, trap_dose, compound, or any parameter; grid: a log grid or a list
    [[scan.axis]]
    name = "compound"               # names (grid and csv designs): library compounds
    values = ["SB-431542", "galunisertib"]
    [[scan.axis]]
    name = "kon_Smad7_ALK5"
    range = [0.0035, 0.35]          # lhs/sobol: bounds in the parameter's unit
    scale = "log"                   # log (default) or lin
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from alk5_pysb.simulation.engine import CATEGORICAL_AXES, PROTOCOL_AXES, Experiment
from alk5_pysb.simulation.metrics import parse_metrics
from alk5_pysb.io.scenario_files import (FILE_NAME, INTEGER, POSITIVE_INTEGER, QUANTITY, STRING, STRINGS, Key, _is_number, array_of_tables, read_text, toml_table)
from alk5_pysb.errors import UserInputError
from alk5_pysb.io.units import parse_concentration, parse_dose_grid, parse_duration

DESIGNS = ("grid", "lhs", "sobol", "csv")
DEFAULT_MAX = 100_000
#: [[scan.axis]]: which keys each design reads
AXIS_SCHEMA = {
    "name": STRING,
    "values": Key('a string (a log grid "1pM:1nM:10" or a list "1,2,5") or an array of numbers or names',
                  lambda v: isinstance(v, str) or (isinstance(v, list) and bool(v) and all(
                      isinstance(x, str) or _is_number(x) for x in v))),
    "range": Key("an array of two numbers [low, high]",
                 lambda v: isinstance(v, list) and len(v) == 2 and all(_is_number(x) for x in v)),
    "scale": Key('"log" or "lin"', lambda v: v in ("log", "lin")),
}
AXIS_KEYS_BY_DESIGN = {"grid": ("name", "values"), "lhs": ("name", "range", "scale"),
                       "sobol": ("name", "range", "scale"), "csv": ("name",)}
SCHEMA = {
    "name": FILE_NAME, "description": STRING,
    "design": Key(f"one of {', '.join(DESIGNS)}", lambda v: isinstance(v, str)),
    "readouts": STRINGS, "metrics": STRINGS, "ligand": STRING, "ligand_dose": QUANTITY, "compound": STRING,
    "ki": QUANTITY, "pretreat": QUANTITY, "t_end": QUANTITY, "samples": POSITIVE_INTEGER,
    "seed": Key("an integer >= 0", lambda v: INTEGER.check(v) and v >= 0),
    "conditions": STRING, "max_conditions": POSITIVE_INTEGER, "axis": array_of_tables("scan.axis", AXIS_SCHEMA),
}
KEYS = set(SCHEMA)


@dataclass
class Axis:
    name: str
    values: list | None = None
    low: float | None = None
    high: float | None = None
    scale: str = "log"


@dataclass
class ScanSpec:
    name: str
    design: str
    axes: list[Axis]
    readouts: list[str]
    metrics: list[str]
    ligand: str = "TGFB1"
    ligand_dose: str = "100pM"
    compound: str | None = None
    ki: str | None = None
    pretreat: str | None = None
    samples: int = 0
    seed: int = 1
    conditions_file: str | None = None
    max_conditions: int = DEFAULT_MAX
    t_end: str | None = None
    origin: str = "<scan>"
    extra: dict = field(default_factory=dict)


def compound_names(spec, origin) -> list[str]:
    from alk5_pysb.pharmacology.compounds import get_compound
    names = spec if isinstance(spec, list) else [v.strip() for v in str(spec).split(",")]
    for name in names:
        try:
            get_compound(str(name))
        except UserInputError as err:
            raise UserInputError(f"{origin}: axis 'compound': {err}") from None
    return [str(n) for n in names]


def _axis_values(axis_name: str, spec, origin) -> list:
    what = f"{origin}: axis {axis_name!r} values"
    if axis_name == "compound":
        return compound_names(spec, origin)
    if isinstance(spec, list):
        spec = ",".join(str(v) for v in spec)
    unit = PROTOCOL_AXES.get(axis_name)
    if unit in ("pM", "nM"):
        return list(parse_dose_grid(str(spec), to=unit, molar_mass_kDa=25.0 if unit == "pM" else None, what=what))
    if unit == "min":
        return [parse_duration(v.strip(), what=what) for v in str(spec).split(",")]
    text = str(spec)
    try:
        if ":" in text:
            start, stop, n = text.split(":")
            start, stop, n = float(start), float(stop), int(n)
            if not (0 < start < stop) or n < 2:
                raise UserInputError(f"{what}: a log grid START:STOP:N needs 0 < START < STOP and N >= 2")
            return list(np.logspace(np.log10(start), np.log10(stop), n))
        values = [float(v) for v in text.split(",")]
    except ValueError:
        raise UserInputError(f"{what}: expected numbers (a list or START:STOP:N), got {text!r}") from None
    if any(v < 0 or not np.isfinite(v) for v in values):
        raise UserInputError(f"{what}: values must be finite and >= 0")
    return values


def parse_scan(text: str, origin: str = "<scan>", valid_parameters=()) -> ScanSpec:
    body = toml_table(text, origin, "scan", SCHEMA)
    for key in ("name", "design", "readouts", "metrics"):
        if key not in body:
            raise UserInputError(f"{origin}: [scan] needs {key!r}")
    if body["design"] not in DESIGNS:
        raise UserInputError(f"{origin}: design {body['design']!r} is not one of {', '.join(DESIGNS)}")
    valid_axes = list(PROTOCOL_AXES) + list(CATEGORICAL_AXES) + list(valid_parameters)
    axes, seen = [], set()
    for number, raw in enumerate(body.get("axis", []), 1):
        name = raw.get("name")
        if name is None:
            raise UserInputError(f"{origin}: [[scan.axis]] #{number} needs name = \"...\"")
        if name not in valid_axes:
            raise UserInputError(f"{origin}: unknown axis {name!r}; valid axes are "
                                 f"{', '.join([*PROTOCOL_AXES, *CATEGORICAL_AXES])} or any model parameter "
                                 "(see `alk5 info`)")
        if name in seen:
            raise UserInputError(f"{origin}: axis {name!r} is given twice ([[scan.axis]] #{number}); "
                                 "give each axis once, with all its values")
        seen.add(name)
        unused = [k for k in raw if k not in AXIS_KEYS_BY_DESIGN[body["design"]]]
        if unused:
            raise UserInputError(f"{origin}: axis {name!r}: {', '.join(unused)} not used by design = "
                                 f"\"{body['design']}\" (its axes take {', '.join(AXIS_KEYS_BY_DESIGN[body['design']])})")
        if name in CATEGORICAL_AXES and body["design"] != "grid":
            raise UserInputError(f"{origin}: axis {name!r} takes names, so it needs design = \"grid\" or \"csv\"")
        axis = Axis(name, scale=raw.get("scale", "log"))
        if body["design"] == "grid":
            if "values" not in raw:
                raise UserInputError(f"{origin}: grid axis {name!r} needs values")
            axis.values = _axis_values(name, raw["values"], origin)
            if not axis.values:
                raise UserInputError(f"{origin}: axis {name!r} has no values")
        elif body["design"] in ("lhs", "sobol"):
            rng = raw.get("range")
            if not (isinstance(rng, list) and len(rng) == 2):
                raise UserInputError(f"{origin}: {body['design']} axis {name!r} needs range = [low, high]")
            low, high = (float(v) for v in rng)
            if not (np.isfinite(low) and np.isfinite(high)) or not low < high or (axis.scale == "log" and low <= 0):
                raise UserInputError(f"{origin}: axis {name!r} range [{low:g}, {high:g}] is empty or reversed"
                                     + (" (log scale needs low > 0)" if axis.scale == "log" else ""))
            if axis.scale not in ("log", "lin"):
                raise UserInputError(f"{origin}: axis {name!r} scale must be log or lin")
            axis.low, axis.high = low, high
        axes.append(axis)
    if body["design"] != "csv" and not axes:
        raise UserInputError(f"{origin}: a {body['design']} scan needs at least one [[scan.axis]]")
    if body["design"] in ("lhs", "sobol") and "samples" not in body:
        raise UserInputError(f"{origin}: design {body['design']!r} needs samples = N (an integer >= 1)")
    if body["design"] == "csv" and not body.get("conditions"):
        raise UserInputError(f"{origin}: design 'csv' needs conditions = \"file.csv\"")
    parse_metrics(",".join(body["metrics"]))
    return ScanSpec(name=body["name"], design=body["design"], axes=axes, readouts=list(body["readouts"]),
                    metrics=list(body["metrics"]), ligand=body.get("ligand", "TGFB1"),
                    ligand_dose=body.get("ligand_dose", "100pM"), compound=body.get("compound"), ki=body.get("ki"),
                    pretreat=body.get("pretreat"), samples=int(body.get("samples", 0)), seed=int(body.get("seed", 1)),
                    conditions_file=body.get("conditions"),
                    max_conditions=int(body.get("max_conditions", DEFAULT_MAX)), t_end=body.get("t_end"),
                    origin=origin)


def load_scan(path, valid_parameters=()) -> ScanSpec:
    path = Path(path)
    if path.is_dir():
        raise UserInputError(f"scan file {path} is a folder: give the TOML file")
    if not path.is_file():
        raise UserInputError(f"scan file {path} not found")
    return parse_scan(read_text(path, "scan file"), str(path), valid_parameters)


def _scaled(unit_samples: np.ndarray, axes: list[Axis]) -> np.ndarray:
    cols = []
    for j, axis in enumerate(axes):
        u = unit_samples[:, j]
        if axis.scale == "log":
            cols.append(10 ** (np.log10(axis.low) + u * (np.log10(axis.high) - np.log10(axis.low))))
        else:
            cols.append(axis.low + u * (axis.high - axis.low))
    return np.column_stack(cols)


def sobol_problem(axes: list[Axis]) -> dict:
    """SALib problem on log10 (or linear) scale."""
    bounds = [[np.log10(a.low), np.log10(a.high)] if a.scale == "log" else [a.low, a.high] for a in axes]
    return {"num_vars": len(axes), "names": [a.name for a in axes], "bounds": bounds}


def design_size(spec: ScanSpec) -> int:
    if spec.design == "grid":
        return int(np.prod([len(a.values) for a in spec.axes]))
    if spec.design == "lhs":
        return spec.samples
    if spec.design == "sobol":
        return spec.samples * (2 * len(spec.axes) + 2)
    return len(read_conditions(spec))


def read_conditions(spec: ScanSpec) -> pd.DataFrame:
    """The conditions table of a csv design (one column per axis), or a one-line UserInputError."""
    path = Path(spec.conditions_file)
    what = f"{spec.origin}: conditions file {path}"
    if path.is_dir():
        raise UserInputError(f"{what} is a folder: give a CSV file")
    try:
        frame = pd.read_csv(path)
    except FileNotFoundError:
        raise UserInputError(f"{what} not found") from None
    except pd.errors.EmptyDataError:
        raise UserInputError(f"{what} is empty: it needs a header row of axis names and one row per condition") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as err:
        raise UserInputError(f"{what} is not a readable CSV: {' '.join(str(err).split())}") from None
    except OSError as err:
        raise UserInputError(f"cannot read {path}: {err.strerror}") from None
    if frame.empty:
        raise UserInputError(f"{what} holds no conditions (only a header)")
    for column in frame.columns:
        if column in CATEGORICAL_AXES or column == "condition_id":
            continue
        numbers = pd.to_numeric(frame[column], errors="coerce")
        bad = frame.index[numbers.isna() & frame[column].notna()]
        if len(bad):
            raise UserInputError(f"{what}, row {bad[0] + 1}, column {column}: {frame[column].iloc[bad[0]]!r} "
                                 "is not a number")
        frame[column] = numbers
    return frame


def conditions(spec: ScanSpec, allow_large: bool = False) -> pd.DataFrame:
    """The condition table (condition_id + one column per axis), checked against max_conditions."""
    size = design_size(spec)
    if size > spec.max_conditions and not allow_large:
        raise UserInputError(f"{spec.origin}: the {spec.design} design makes {size} conditions, more than "
                             f"max_conditions = {spec.max_conditions}; pass --yes to run it anyway")
    if spec.design == "grid":
        rows = list(itertools.product(*[a.values for a in spec.axes]))
        frame = pd.DataFrame(rows, columns=[a.name for a in spec.axes])
    elif spec.design == "lhs":
        from scipy.stats import qmc
        unit = qmc.LatinHypercube(d=len(spec.axes), seed=spec.seed).random(spec.samples)
        frame = pd.DataFrame(_scaled(unit, spec.axes), columns=[a.name for a in spec.axes])
    elif spec.design == "sobol":
        from SALib.sample import sobol as sobol_sample
        raw = sobol_sample.sample(sobol_problem(spec.axes), spec.samples, calc_second_order=True, seed=spec.seed)
        values = np.column_stack([10 ** raw[:, j] if a.scale == "log" else raw[:, j] for j, a in enumerate(spec.axes)])
        frame = pd.DataFrame(values, columns=[a.name for a in spec.axes])
    else:
        frame = read_conditions(spec).drop(columns=["condition_id"], errors="ignore")
    frame.insert(0, "condition_id", np.arange(len(frame)))
    return frame


def experiment(spec: ScanSpec) -> Experiment:
    from alk5_pysb.pharmacology.compounds import get_compound
    compound = get_compound(spec.compound, spec.ki) if (spec.compound or spec.ki) else None
    return Experiment(readouts=spec.readouts, metrics=parse_metrics(",".join(spec.metrics)), ligand=spec.ligand,
                      ligand_dose_pM=parse_concentration(spec.ligand_dose, to="pM", what="ligand_dose"),
                      compound=compound,
                      pretreat_min=parse_duration(spec.pretreat, what="pretreat") if spec.pretreat else 0.0,
                      t_end_min=parse_duration(spec.t_end, what="t_end") if spec.t_end else None)
