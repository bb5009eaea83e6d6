"""Experiment files (TOML): one experiment, and optionally the conditions a scan varies around it.

    [experiment]                      # what is done to the cells and what is read out
    name = "dose_x_inhibitor"         # a plain file name: outputs are named after it
    description = "..."
    ligand = "TGFB1"                  # TGFB1, TGFB2, TGFB3, GDF11
    ligand_dose = "100pM"             # pM, nM or ng/mL
    compound = "SB-431542"            # library compound, or ki = "30nM" for your own
    inhibitor_dose = "1uM"
    pretreat = "60min"                # or inhibitor_at = "45min" (post-treatment); inhibitor_washout = "0min"
    washout = "30s"                   # ligand washout (medium change)
    pulses = 3                        # repeated ligand pulses (each washed out after `washout`)
    pulse_every = "1h"
    trap_dose = "10nM"                # ligand trap added with the ligand
    t_end = "24h"                     # default: what the metrics need (time course: 24 h)
    readouts = ["pSmad2", "PAI1_mRNA"]
    metrics = ["at:60min", "at:24h"]  # scans: one value per readout and metric; omit for a time course
    [experiment.set]                  # parameter values in the table's units (`alk5 info`)
    PPM1A_0 = 1000
    [experiment.scale]                # or factors on them
    TBRII_0 = 0.5

    [scan]                            # optional: conditions, each the experiment with some fields varied
    design = "grid"                   # grid | lhs | sobol | csv
    samples = 256                     # lhs: conditions; sobol: base samples N (N*(2D+2) conditions)
    seed = 1
    conditions = "my_conditions.csv"  # design = "csv": one column per axis
    max_conditions = 100000
    [[scan.axis]]
    name = "ligand_dose"              # ligand_dose, inhibitor_dose, pretreat, inhibitor_at, inhibitor_washout,
    values = "1pM:1nM:10"             # washout, trap_dose, compound, or any parameter; grid: a log grid or a list
    [[scan.axis]]
    name = "kon_Smad7_ALK5"
    range = [0.0035, 0.35]            # lhs/sobol: bounds in the parameter's unit
    scale = "log"                     # log (default) or lin

The keys of ``[experiment]`` are the fields of :class:`~alk5_pysb.simulation.experiment.Experiment`
and the names of the scan axes, spelled the same way everywhere. Unknown keys (at every level) and
wrong types are one-line errors naming the key, the expected type and the file. The files shipped with
the package (``alk5_pysb/experiments/``) run by name: ``alk5 run tgfb1_dose_response``.
"""
from __future__ import annotations

import itertools
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import tomli_w

from alk5_pysb.errors import UserInputError
from alk5_pysb.io.units import parse_concentration, parse_dose_grid, parse_duration
from alk5_pysb.simulation.experiment import CATEGORICAL_AXES, LABEL_COLUMNS, PROTOCOL_AXES, Experiment
from alk5_pysb.simulation.metrics import parse_metrics

DESIGNS = ("grid", "lhs", "sobol", "csv")
DEFAULT_MAX = 100_000


# -- a small declarative schema: key -> what it accepts ------------------------------------------------
@dataclass(frozen=True)
class Key:
    """What a key accepts: ``expected`` is said in messages, ``check`` decides; ``fields`` is the schema of
    a sub-table or of each table of an array of tables (``[[scan.axis]]``)."""
    expected: str
    check: Callable[[object], bool]
    fields: dict | None = None


def _is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


NAME_PATTERN = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9._-]{0,99}$")
STRING = Key("a string", lambda v: isinstance(v, str))
QUANTITY = Key('a string with a unit (e.g. "100pM", "60min")', lambda v: isinstance(v, str) and bool(v.strip()))
FILE_NAME = Key("a plain file name (letters, digits, '-', '_', '.'; not starting with '.'; at most 100 characters)",
                lambda v: isinstance(v, str) and bool(NAME_PATTERN.match(v)))
INTEGER = Key("an integer", lambda v: isinstance(v, int) and not isinstance(v, bool))
POSITIVE_INTEGER = Key("an integer >= 1", lambda v: INTEGER.check(v) and v >= 1)
STRINGS = Key("a non-empty list of strings",
              lambda v: isinstance(v, list) and bool(v) and all(isinstance(x, str) and x.strip() for x in v))
NUMBER_TABLE = Key("a table of parameter names = numbers",
                   lambda v: isinstance(v, dict) and all(_is_number(x) for x in v.values()))


def _toml_type(value) -> str:
    for kind, name in ((bool, "boolean"), (int, "integer"), (float, "float"), (str, "string"), (list, "array"),
                       (dict, "table")):
        if isinstance(value, kind):
            shown = repr(value) if kind is not bool else str(value).lower()
            return f"the {name} {shown if len(shown) <= 40 else shown[:37] + '...'}"
    return type(value).__name__


def check_table(body: dict, schema: dict, origin: str, where: str) -> dict:
    """Unknown keys (listing the valid ones) and wrong types (naming key, expected type and file) are
    one-line UserInputErrors; array-of-table keys are checked table by table."""
    unknown = [k for k in body if k not in schema]
    if unknown:
        raise UserInputError(f"{origin}: unknown key{'s' if len(unknown) > 1 else ''} "
                             f"{', '.join(repr(k) for k in unknown)} in {where}; valid keys are {', '.join(schema)}")
    for key, value in body.items():
        rule = schema[key]
        if not rule.check(value):
            raise UserInputError(f"{origin}: {where} {key} must be {rule.expected}, got {_toml_type(value)}")
        if rule.fields is not None:
            inner = where.strip("[]").removesuffix(" #")
            for i, item in enumerate(value, 1):
                named = f" (name = {item['name']!r})" if isinstance(item.get("name"), str) else ""
                check_table(item, rule.fields, origin, f"[[{inner}.{key}]] #{i}{named}")
    return body


def array_of_tables(what: str, fields: dict) -> Key:
    return Key(f"an array of tables ([[{what}]] blocks)",
               lambda v: isinstance(v, list) and all(isinstance(x, dict) for x in v), fields)


EXPERIMENT_SCHEMA = {
    "name": FILE_NAME, "description": STRING, "ligand": STRING, "ligand_dose": QUANTITY,
    "compound": STRING, "ki": QUANTITY, "inhibitor_dose": QUANTITY, "pretreat": QUANTITY, "inhibitor_at": QUANTITY,
    "inhibitor_washout": QUANTITY, "washout": QUANTITY, "trap_dose": QUANTITY, "t_end": QUANTITY,
    "pulses": POSITIVE_INTEGER, "pulse_every": QUANTITY, "readouts": STRINGS, "metrics": STRINGS, "set": NUMBER_TABLE, "scale": NUMBER_TABLE,
}
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
SCAN_SCHEMA = {
    "design": Key(f"one of {', '.join(DESIGNS)}", lambda v: isinstance(v, str)),
    "samples": POSITIVE_INTEGER, "seed": Key("an integer >= 0", lambda v: INTEGER.check(v) and v >= 0),
    "conditions": STRING, "max_conditions": POSITIVE_INTEGER, "axis": array_of_tables("scan.axis", AXIS_SCHEMA),
}
#: doses in the [experiment] table: key -> (Experiment field, unit)
DOSE_KEYS = {"ligand_dose": ("dose_pM", "pM"), "inhibitor_dose": ("inhibitor_nM", "nM"), "trap_dose": ("trap_nM", "nM")}
TIME_KEYS = {"pretreat": "pretreat_min", "inhibitor_at": "inhibitor_at_min", "inhibitor_washout": "inhibitor_washout_min",
             "washout": "washout_min", "pulse_every": "pulse_every_min", "t_end": "t_end_min"}


@dataclass
class Axis:
    name: str
    values: list | None = None
    low: float | None = None
    high: float | None = None
    scale: str = "log"


@dataclass
class ScanSpec:
    design: str
    axes: list[Axis]
    samples: int = 0
    seed: int = 1
    conditions_file: str | None = None
    max_conditions: int = DEFAULT_MAX
    origin: str = "<experiment file>"


@dataclass
class ExperimentFile:
    """A parsed experiment file: the [experiment] table (checked, values still as written) and its scan."""
    name: str
    body: dict
    scan: ScanSpec | None = None
    origin: str = "<experiment file>"
    raw: dict = field(default_factory=dict)

    @property
    def description(self) -> str:
        return self.body.get("description", "")

    @property
    def ligand(self) -> str:
        return self.body.get("ligand", "TGFB1")

    @property
    def set(self) -> dict:
        return dict(self.body.get("set", {}))

    @property
    def scale(self) -> dict:
        return dict(self.body.get("scale", {}))

    def parameter_names(self) -> list[str]:
        """Parameters the file sets, scales or scans (they decide which network can run it); the scanned
        ones of a csv design are the columns of its conditions file."""
        axes = [a.name for a in self.scan.axes] if self.scan else []
        if self.scan is not None and self.scan.design == "csv":
            axes = [str(c) for c in read_conditions(self.scan).columns]
        return [*self.set, *self.scale, *(a for a in axes if a not in PROTOCOL_AXES and a not in CATEGORICAL_AXES
                                          and a not in LABEL_COLUMNS)]

    def experiment(self, params: dict | None = None) -> Experiment:
        """The Experiment this file describes; ``params`` are the resolved absolute values of set/scale."""
        from alk5_pysb.pharmacology.compounds import get_compound
        body, where = self.body, f"{self.origin}: [experiment]"
        fields = {"ligand": self.ligand, "name": self.name, "params": dict(params or {})}
        for key, (name, unit) in DOSE_KEYS.items():
            if key in body:
                fields[name] = parse_concentration(body[key], to=unit, molar_mass_kDa=25.0 if unit == "pM" else None,
                                                   what=f"{where} {key}")
        for key, name in TIME_KEYS.items():
            if key in body:
                fields[name] = parse_duration(body[key], what=f"{where} {key}", allow_zero=key != "t_end")
        if body.get("compound") or body.get("ki"):
            try:
                fields["compound"] = get_compound(body.get("compound"), body.get("ki"))
            except UserInputError as err:     # say it in the file's words, not the CLI's options
                text = str(err).replace("--compound-file or --ki", 'ki = "30nM"').replace("--ki", "ki")
                raise UserInputError(f"{where} {text}") from None
        if "pulses" in body:
            fields["pulses"] = body["pulses"]
        if "readouts" in body:
            fields["readouts"] = tuple(body["readouts"])
        if "metrics" in body:
            fields["metrics"] = tuple(parse_metrics(",".join(body["metrics"])))
        return Experiment(**fields)

    def dumps(self) -> str:
        return tomli_w.dumps(self.raw)


# -- parsing ---------------------------------------------------------------------------------------------
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
    except UserInputError:          # a ValueError too: keep the log grid's own message
        raise
    except ValueError:
        raise UserInputError(f"{what}: expected numbers (a list or START:STOP:N), got {text!r}") from None
    if any(v < 0 or not np.isfinite(v) for v in values):
        raise UserInputError(f"{what}: values must be finite and >= 0")
    return values


def _parse_scan(body: dict, origin: str, valid_parameters) -> ScanSpec:
    if "design" not in body:
        raise UserInputError(f"{origin}: [scan] needs 'design' (one of {', '.join(DESIGNS)})")
    design = body["design"]
    if design not in DESIGNS:
        raise UserInputError(f"{origin}: design {design!r} is not one of {', '.join(DESIGNS)}")
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
        unused = [k for k in raw if k not in AXIS_KEYS_BY_DESIGN[design]]
        if unused:
            raise UserInputError(f"{origin}: axis {name!r}: {', '.join(unused)} not used by design = "
                                 f"\"{design}\" (its axes take {', '.join(AXIS_KEYS_BY_DESIGN[design])})")
        if name in CATEGORICAL_AXES and design != "grid":
            raise UserInputError(f"{origin}: axis {name!r} takes names, so it needs design = \"grid\" or \"csv\"")
        axis = Axis(name, scale=raw.get("scale", "log"))
        if design == "grid":
            if "values" not in raw:
                raise UserInputError(f"{origin}: grid axis {name!r} needs values")
            axis.values = _axis_values(name, raw["values"], origin)
            if not axis.values:
                raise UserInputError(f"{origin}: axis {name!r} has no values")
        elif design in ("lhs", "sobol"):
            rng = raw.get("range")
            if not (isinstance(rng, list) and len(rng) == 2):
                raise UserInputError(f"{origin}: {design} axis {name!r} needs range = [low, high]")
            low, high = (float(v) for v in rng)
            if not (np.isfinite(low) and np.isfinite(high)) or not low < high or (axis.scale == "log" and low <= 0):
                raise UserInputError(f"{origin}: axis {name!r} range [{low:g}, {high:g}] is empty or reversed"
                                     + (" (log scale needs low > 0)" if axis.scale == "log" else ""))
            axis.low, axis.high = low, high
        axes.append(axis)
    if design != "csv" and not axes:
        raise UserInputError(f"{origin}: a {design} scan needs at least one [[scan.axis]]")
    if design in ("lhs", "sobol") and "samples" not in body:
        raise UserInputError(f"{origin}: design {design!r} needs samples = N (an integer >= 1)")
    if design == "csv" and not body.get("conditions"):
        raise UserInputError(f"{origin}: design 'csv' needs conditions = \"file.csv\"")
    conditions_file = body.get("conditions")
    if conditions_file and not Path(conditions_file).is_absolute() and origin not in ("<experiment file>",):
        conditions_file = str(Path(origin).parent / conditions_file)     # relative to the experiment file
    return ScanSpec(design=design, axes=axes, samples=int(body.get("samples", 0)), seed=int(body.get("seed", 1)),
                    conditions_file=conditions_file, max_conditions=int(body.get("max_conditions", DEFAULT_MAX)),
                    origin=origin)


def parse(text: str, origin: str = "<experiment file>", valid_parameters=()) -> ExperimentFile:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise UserInputError(f"{origin}: malformed TOML: {err}") from None
    other = [k for k in data if k not in ("experiment", "scan")]
    if other:
        raise UserInputError(f"{origin}: unknown top-level key(s) or table(s) {', '.join(repr(k) for k in other)}; "
                             "an experiment file holds an [experiment] table and optionally a [scan] table")
    body = data.get("experiment")
    if not isinstance(body, dict):
        raise UserInputError(f"{origin}: expected an [experiment] table")
    check_table(body, EXPERIMENT_SCHEMA, origin, "[experiment]")
    for key in ("name", "readouts"):
        if key not in body:
            raise UserInputError(f"{origin}: [experiment] needs {key!r}")
    if "pretreat" in body and "inhibitor_at" in body:
        raise UserInputError(f"{origin}: [experiment] gives pretreat and inhibitor_at: the inhibitor is added either "
                             "before the ligand (pretreat) or after it (inhibitor_at)")
    if "compound" in body and "ki" in body:
        raise UserInputError(f"{origin}: [experiment] gives compound and ki: name a library compound or give ki")
    if "metrics" in body:
        parse_metrics(",".join(body["metrics"]))
    scan = None
    if "scan" in data:
        if not isinstance(data["scan"], dict):
            raise UserInputError(f"{origin}: scan must be a table ([scan])")
        check_table(data["scan"], SCAN_SCHEMA, origin, "[scan]")
        scan = _parse_scan(data["scan"], origin, valid_parameters)
        if "metrics" not in body:
            raise UserInputError(f"{origin}: a scan needs metrics in [experiment] (e.g. metrics = [\"at:45min\"]): "
                                 "each condition gives one value per readout and metric")
    spec = ExperimentFile(name=body["name"], body=body, scan=scan, origin=origin, raw=data)
    spec.experiment()          # every value parses (units, compound names) before any work
    return spec


def standard_experiments() -> dict[str, Path]:
    """The experiment files shipped with the package, by name."""
    folder = resources.files("alk5_pysb").joinpath("experiments")
    return {Path(str(p)).stem: Path(str(p)) for p in folder.iterdir() if str(p).endswith(".toml")}


def read_text(path: Path, what: str) -> str:
    """A user's text file, or a one-line UserInputError."""
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise UserInputError(f"{what} {path} is not a UTF-8 text file") from None
    except OSError as err:
        raise UserInputError(f"cannot read {what} {path}: {err.strerror}") from None


def load(path_or_name, valid_parameters=()) -> ExperimentFile:
    """An experiment file by path, or a shipped one by name."""
    path = Path(path_or_name)
    if path.is_dir():
        raise UserInputError(f"experiment file {path} is a folder: give the TOML file")
    if not path.is_file():
        known = standard_experiments()
        if str(path_or_name) not in known:
            raise UserInputError(f"experiment file {str(path_or_name)!r} not found: give a TOML file or one of "
                                 f"{', '.join(sorted(known))}")
        path = known[str(path_or_name)]
    return parse(read_text(path, "experiment file"), str(path), valid_parameters)


# -- the conditions of a scan -------------------------------------------------------------------------------
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
