"""ALK5 inhibitors: the compound table and how a biochemical potency becomes a cellular affinity.

An ATP-competitive inhibitor's biochemical IC50 (or Ki) is measured at low ATP. In cells it
competes with ~3 mM ATP (Traut 1994), so its apparent affinity is weaker:

    Kd_cell = IC50_biochem * shift,   shift = (1 + [ATP]cell/Km) / (1 + [ATP]assay/Km)

Neither the ALK5 Km for ATP nor the assay ATP is reported for most compounds, so ``shift`` is
calibrated once on SB-431542 (in-cell Kd 683 nM fitted by Schmierer 2008 / biochemical IC50 94 nM)
and applied to every compound (``data/pharmacology.csv``). The same shift turns a reported
TbetaRII IC50 into the cellular TbetaRII affinity, which lowers ``TBRII_kinase_activity`` to
1/(1 + C/Kd_TBRII) while the drug is present. ALK4/ALK7 potencies are listed but do not change
predictions here: the model has no activin/nodal arm (GDF11 signals through ALK5 in the model).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import pandas as pd

from alk5_pysb.errors import UserInputError
from alk5_pysb.io.units import parse_concentration


@lru_cache(maxsize=1)
def pharmacology() -> dict[str, float]:
    with resources.files("alk5_pysb").joinpath("data/pharmacology.csv").open(encoding="utf-8") as fh:
        return pd.read_csv(fh).set_index("name")["value"].astype(float).to_dict()


def cell_shift() -> float:
    return pharmacology()["cell_shift"]


#: potency columns of a compound table (nM); an empty cell means "not reported"
POTENCY_COLUMNS = ("alk5_ic50_nM", "alk4_ic50_nM", "tbrii_ic50_nM", "cell_ic50_nM")
_MISSING = {"", "na", "nan", "n/a", "none"}
_AS_TEXT = {"name": str, **{c: str for c in POTENCY_COLUMNS}}     # parsed by _checked, cell by cell


@dataclass(frozen=True)
class Compound:
    name: str
    alk5_ic50_nM: float
    tbrii_ic50_nM: float = math.nan
    cell_ic50_nM: float = math.nan
    source: str = ""

    def __post_init__(self):
        for what in ("alk5_ic50_nM", "tbrii_ic50_nM", "cell_ic50_nM"):
            value = getattr(self, what)
            if what == "alk5_ic50_nM" or not math.isnan(value):
                if not (math.isfinite(value) and value > 0):
                    raise UserInputError(f"compound {self.name!r}: {what} must be a finite potency > 0 nM, got {value!r}")

    @property
    def kd_cell_nM(self) -> float:
        return self.alk5_ic50_nM * cell_shift()

    @property
    def kd_tbrii_cell_nM(self) -> float:
        return self.tbrii_ic50_nM * cell_shift()

    def model_params(self) -> dict[str, float]:
        return {"Kd_inhibitor": self.kd_cell_nM}

    def tbrii_activity(self, conc_nM: float) -> float:
        if conc_nM <= 0 or not math.isfinite(self.tbrii_ic50_nM):
            return 1.0
        return 1.0 / (1.0 + conc_nM / self.kd_tbrii_cell_nM)


def _num(value) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def _checked(frame: pd.DataFrame, origin: str) -> pd.DataFrame:
    """Names present and unique; every potency cell empty (not reported) or a finite number > 0 (nM).
    A cell that is neither is an error naming its row and column, never read as "not reported"."""
    if frame.empty:
        raise UserInputError(f"{origin} holds no compounds (only a header)")
    names = [str(n).strip() if isinstance(n, str) else "" for n in frame["name"]]
    for row, name in enumerate(names, 1):
        if not name:
            raise UserInputError(f"{origin}, row {row}: column name is empty")
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        raise UserInputError(f"{origin}: compound(s) {', '.join(duplicated)} listed more than once")
    frame = frame.copy()
    frame["name"] = names
    for column in (c for c in POTENCY_COLUMNS if c in frame.columns):
        values = []
        for row, (name, raw) in enumerate(zip(names, frame[column]), 1):
            text = "" if raw is None or (isinstance(raw, float) and math.isnan(raw)) else str(raw).strip()
            if text.lower() in _MISSING:
                values.append(math.nan)
                continue
            where = f"{origin}, row {row} ({name}), column {column}"
            try:
                value = float(text)
            except ValueError:
                raise UserInputError(f"{where}: {text!r} is not a number (a potency in nM; leave the cell empty "
                                     "when none is reported)") from None
            if not (math.isfinite(value) and value > 0):
                raise UserInputError(f"{where}: {text} is not a potency (a finite number > 0 nM; leave the cell empty "
                                     "when none is reported)")
            values.append(value)
        frame[column] = pd.Series(values, index=frame.index, dtype=float)
    return frame


def read_compounds(path=None) -> pd.DataFrame:
    if path is None:
        with resources.files("alk5_pysb").joinpath("data/compounds.csv").open(encoding="utf-8") as fh:
            frame = pd.read_csv(fh, dtype=_AS_TEXT)
        return _checked(frame, "the compound library")
    origin = f"compound file {path}"
    if Path(path).is_dir():
        raise UserInputError(f"{origin} is a folder: give a CSV file (columns name,alk5_ic50_nM[,tbrii_ic50_nM,"
                             "cell_ic50_nM])")
    try:
        frame = pd.read_csv(path, dtype=_AS_TEXT)
    except FileNotFoundError:
        raise UserInputError(f"{origin} not found") from None
    except pd.errors.EmptyDataError:
        raise UserInputError(f"{origin} is empty: it needs a header (name,alk5_ic50_nM[,tbrii_ic50_nM,"
                             "cell_ic50_nM]) and one row per compound") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as err:
        raise UserInputError(f"{origin} is not a readable CSV: {' '.join(str(err).split())}") from None
    except OSError as err:
        raise UserInputError(f"cannot read {origin}: {err.strerror}") from None
    missing = {"name", "alk5_ic50_nM"} - set(frame.columns)
    if missing:
        raise UserInputError(f"{origin} lacks columns {sorted(missing)} "
                             "(needs at least name and alk5_ic50_nM; optional tbrii_ic50_nM, cell_ic50_nM)")
    return _checked(frame, origin)


@lru_cache(maxsize=1)
def library() -> pd.DataFrame:
    return read_compounds().set_index("name", drop=False)


def _from_row(row) -> Compound:
    name = str(row["name"])
    ic50 = _num(row.get("alk5_ic50_nM"))
    if not math.isfinite(ic50) or ic50 <= 0:
        raise UserInputError(f"compound {name!r} has no ALK5 potency (no public data): supply one with "
                             f"--ki 30nM or --compound-file my.csv (columns name,alk5_ic50_nM)")
    return Compound(name, ic50, _num(row.get("tbrii_ic50_nM")), _num(row.get("cell_ic50_nM")),
                    str(row.get("alk5_source", "")))


def get_compound(name: str | None = None, ki: str | None = None, compound_file=None) -> Compound:
    """A compound from the library, a user file, or a bare potency (--ki)."""
    if ki is not None:
        value = parse_concentration(ki, to="nM", molar_mass_kDa=None, what="--ki")
        if value <= 0:
            raise UserInputError("--ki must be > 0")
        return Compound(name or f"Ki={ki}", value, source="user-supplied potency")
    frame = read_compounds(compound_file).set_index("name", drop=False) if compound_file else library()
    if name is None:
        if compound_file and len(frame) == 1:
            return _from_row(frame.iloc[0])
        raise UserInputError(f"name a compound: valid compounds are {', '.join(frame.index)}")
    if name not in frame.index:
        lower = {n.lower(): n for n in frame.index}
        if name.lower() in lower:
            name = lower[name.lower()]
        else:
            raise UserInputError(f"unknown compound {name!r}: valid compounds are {', '.join(frame.index)}"
                                 + ("" if compound_file else " (or add one with --compound-file or --ki)"))
    return _from_row(frame.loc[name])


def simulable_compounds() -> list[str]:
    frame = library()
    return [n for n, v in zip(frame.index, frame["alk5_ic50_nM"]) if math.isfinite(_num(v)) and _num(v) > 0]
