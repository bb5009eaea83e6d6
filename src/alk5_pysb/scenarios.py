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

The standard scenarios ship in ``alk5_pysb/scenarios/``; ``alk5 run NAME`` finds them by name.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import tomli_w

from .units import UserInputError

KINDS = ("dose-response", "inhibition")
COMMON = {"name", "kind", "description", "ligand", "doses", "readouts", "metrics", "set", "scale"}
INHIBITION_ONLY = {"compound", "ki", "ligand_dose", "protocol"}


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
    folder = resources.files("alk5_pysb").joinpath("scenarios")
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


def toml_table(text: str, origin: str, table: str, valid_keys) -> dict:
    """The [table] of a TOML text; malformed TOML (with its line) and unknown keys are user errors."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise UserInputError(f"{origin}: malformed TOML: {err}") from None
    body = data.get(table)
    if not isinstance(body, dict):
        raise UserInputError(f"{origin}: expected a [{table}] table")
    unknown = set(body) - set(valid_keys)
    if unknown:
        raise UserInputError(f"{origin}: unknown key(s) {sorted(unknown)}; valid keys are "
                             f"{', '.join(sorted(valid_keys))}")
    return body


def parse(text: str, origin: str = "<scenario>") -> Scenario:
    body = toml_table(text, origin, "scenario", COMMON | INHIBITION_ONLY)
    for key in ("name", "kind", "doses", "readouts", "metrics"):
        if key not in body:
            raise UserInputError(f"{origin}: [scenario] needs {key!r}")
    if body["kind"] not in KINDS:
        raise UserInputError(f"{origin}: kind {body['kind']!r} is not one of {', '.join(KINDS)}")
    for key in ("readouts", "metrics"):
        if not isinstance(body[key], list) or not all(isinstance(x, str) for x in body[key]) or not body[key]:
            raise UserInputError(f"{origin}: {key} must be a non-empty list of strings")
    if body["kind"] == "inhibition" and not (body.get("compound") or body.get("ki")):
        raise UserInputError(f"{origin}: an inhibition scenario needs compound = \"...\" or ki = \"30nM\"")
    if body["kind"] == "dose-response" and set(body) & INHIBITION_ONLY:
        raise UserInputError(f"{origin}: {sorted(set(body) & INHIBITION_ONLY)} only apply to kind = \"inhibition\"")
    for key in ("set", "scale"):
        table = body.get(key, {})
        if not isinstance(table, dict) or not all(isinstance(v, (int, float)) for v in table.values()):
            raise UserInputError(f"{origin}: [scenario.{key}] must map parameter names to numbers")
    return Scenario(**body)


def load(path_or_name) -> Scenario:
    path = _resolve(path_or_name)
    return parse(path.read_text(), str(path))


def dumps(scenario: Scenario) -> str:
    return tomli_w.dumps(scenario.to_dict())
