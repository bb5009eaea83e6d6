"""Experiments as data: scenario files (TOML) naming ligand, dose grid, protocol, readouts, metrics.

    [scenario]
    name = "tgfb1_dose_response"
    kind = "dose-response"            # or "inhibition"
    ligand = "TGFB1"
    doses = "0.1pM:10nM:25"           # ligand doses (dose-response) or inhibitor doses (inhibition)
    readouts = ["pSmad2"]
    metrics = ["at:45min", "at:8h"]
    # inhibition only: compound = "galunisertib" (or ki = "30nM"), ligand_dose = "100pM",
    #                  protocol = "pretreat:60min"
    [scenario.set]                    # optional parameter values (table units)
    PPM1A_0 = 1000

The standard scenarios ship in ``alk5_pysb/experiments/``; ``alk5 run NAME`` finds them by name.
"""
from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import tomli_w

from alk5_pysb.errors import UserInputError

KINDS = ("dose-response", "inhibition")
INHIBITION_ONLY = {"compound", "ki", "ligand_dose", "protocol"}


# -- a small declarative schema for the TOML files (scenarios here, scan files in scanfile.py) ---------
@dataclass(frozen=True)
class Key:
    """What a key accepts: ``expected`` is said in messages, ``check`` decides; ``fields`` is the schema of
    each table of an array of tables (``[[scan.axis]]``)."""
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
POSITIVE_INTEGER = Key("an integer >= 1", lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 1)
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


SCENARIO_SCHEMA = {
    "name": FILE_NAME, "kind": Key(f"one of {', '.join(KINDS)}", lambda v: isinstance(v, str)),
    "description": STRING, "ligand": STRING,
    "doses": Key('a dose grid string (e.g. "0.1pM:10nM:25" or "1pM,10pM")', lambda v: isinstance(v, str)),
    "readouts": STRINGS, "metrics": STRINGS, "set": NUMBER_TABLE, "scale": NUMBER_TABLE,
    "compound": STRING, "ki": QUANTITY, "ligand_dose": QUANTITY,
    "protocol": Key('a protocol string (e.g. "pretreat:60min", "co", "post:45min", "washout:0min")',
                    lambda v: isinstance(v, str)),
}
COMMON = set(SCENARIO_SCHEMA) - INHIBITION_ONLY


@dataclass
class Scenario:
    name: str
    kind: str
    doses: str
    readouts: list[str]
    metrics: list[str]
    ligand: str = "TGFB1"
    description: str = ""
    compound: str | None = None
    ki: str | None = None
    ligand_dose: str = "100pM"
    protocol: str = "pretreat:60min"
    set: dict = field(default_factory=dict)
    scale: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        body = {k: v for k, v in self.__dict__.items() if v not in (None, {}, "")}
        if self.kind == "dose-response":
            for key in INHIBITION_ONLY:
                body.pop(key, None)
        return {"scenario": body}


def standard_scenarios() -> dict[str, Path]:
    folder = resources.files("alk5_pysb").joinpath("experiments")
    return {Path(str(p)).stem: Path(str(p)) for p in folder.iterdir() if str(p).endswith(".toml")}


def _resolve(path_or_name) -> Path:
    path = Path(path_or_name)
    if path.is_file():
        return path
    known = standard_scenarios()
    if str(path_or_name) in known:
        return known[str(path_or_name)]
    raise UserInputError(f"scenario {str(path_or_name)!r} not found: give a TOML file or one of "
                         f"{', '.join(sorted(known))}")


def read_text(path: Path, what: str) -> str:
    """A user's text file, or a one-line UserInputError."""
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise UserInputError(f"{what} {path} is not a UTF-8 text file") from None
    except OSError as err:
        raise UserInputError(f"cannot read {what} {path}: {err.strerror}") from None


def toml_table(text: str, origin: str, table: str, schema) -> dict:
    """The [table] of a TOML text, checked against ``schema`` (key -> Key; a plain set of names only checks
    names); malformed TOML (with its line), other top-level keys, unknown keys and wrong types are user errors."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise UserInputError(f"{origin}: malformed TOML: {err}") from None
    body = data.get(table)
    if not isinstance(body, dict):
        raise UserInputError(f"{origin}: expected a [{table}] table")
    other = [k for k in data if k != table]
    if other:
        raise UserInputError(f"{origin}: unknown top-level key(s) or table(s) {', '.join(repr(k) for k in other)}; "
                             f"the file holds one [{table}] table")
    if not isinstance(schema, dict):
        schema = {k: Key("anything", lambda v: True) for k in sorted(schema)}
    return check_table(body, schema, origin, f"[{table}]")


def parse(text: str, origin: str = "<scenario>") -> Scenario:
    body = toml_table(text, origin, "scenario", SCENARIO_SCHEMA)
    for key in ("name", "kind", "doses", "readouts", "metrics"):
        if key not in body:
            raise UserInputError(f"{origin}: [scenario] needs {key!r}")
    if body["kind"] not in KINDS:
        raise UserInputError(f"{origin}: kind {body['kind']!r} is not one of {', '.join(KINDS)}")
    if body["kind"] == "inhibition" and not (body.get("compound") or body.get("ki")):
        raise UserInputError(f"{origin}: an inhibition scenario needs compound = \"...\" or ki = \"30nM\"")
    if body["kind"] == "dose-response" and set(body) & INHIBITION_ONLY:
        raise UserInputError(f"{origin}: {sorted(set(body) & INHIBITION_ONLY)} only apply to kind = \"inhibition\"")
    return Scenario(**body)


def load(path_or_name) -> Scenario:
    path = _resolve(path_or_name)
    return parse(read_text(path, "scenario file"), str(path))


def dumps(scenario: Scenario) -> str:
    return tomli_w.dumps(scenario.to_dict())
