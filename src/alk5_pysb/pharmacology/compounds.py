"""ALK5 inhibitors: the compound table and how a measured potency becomes a cellular affinity.

Potencies live in ``data/potency.csv``, one row per value with its assay class (biochemical kinase,
autophosphorylation, binding Kd, cellular reporter, cellular pSmad), readout, cell line, assay ATP, time,
source and a verified flag (``yes``: read in the source; ``secondary``: read verbatim in a page quoting
it; ``no``). Each compound's ``role = input`` row gives its ALK5 potency, ``role = cellular`` the reported
cellular value it is compared with (on the declared readout and time), ``role = offtarget`` TbetaRII,
ALK4 and ALK7 values.

ATP competition (Cheng-Prusoff), each constant in ``data/pharmacology.csv``:

    Ki       = IC50 / (1 + [ATP]assay / Km)        (a binding Kd is used as Ki directly)
    Kd_cell  = Ki * (1 + [ATP]cell / Km) * r

[ATP]cell is measured (Traut 1994); Km and the unstated assay ATP (= Km) are assumed, so only
(1 + [ATP]cell/Km) * r is determined by cells. ``r`` (``Kd_residual_factor``) is one factor for all
compounds, fitted with ``alk5 calibrate potency`` on the verified cellular values together
(``make potency``), with its confidence interval. The same conversion gives the cellular TbetaRII
affinity, which lowers ``TBRII_kinase_activity`` to 1/(1 + C/Kd_TBRII) while the drug is present, and the
cellular ALK1 affinity (same conversion; ALK1's Km for ATP assumed equal to ALK5's), which lowers
``ALK1_kinase_activity`` in the endothelial network. ALK4/ALK7 potencies are listed (``alk5 info --compound``) but change nothing: the model has no
activin/nodal arm.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import pandas as pd

from alk5_pysb.errors import UserInputError
from alk5_pysb.io.units import parse_concentration, parse_duration

ASSAY_CLASSES = ("biochemical kinase", "autophosphorylation", "binding Kd", "cellular reporter", "cellular pSmad",
                 "assumed")
VERIFIED = ("yes", "secondary", "no")
#: the default inhibitor: the compound whose cellular affinity (and its spread) the table's Kd_inhibitor is
REFERENCE_COMPOUND = "SB-431542"


@lru_cache(maxsize=1)
def pharmacology_table() -> pd.DataFrame:
    with resources.files("alk5_pysb").joinpath("data/pharmacology.csv").open(encoding="utf-8") as fh:
        frame = pd.read_csv(fh, dtype={"value": str, "low": str, "high": str}, keep_default_na=False)
    from alk5_pysb.model.parameters import check_side_table
    return check_side_table(frame, lambda r: r["name"], "data/pharmacology.csv").set_index("name")


def pharmacology() -> dict[str, float]:
    """Numeric conversion constants (atp_cell, km_atp_ALK5, kon_default, Kd_residual_factor)."""
    table = pharmacology_table()
    return {n: float(v) for n, v in table["value"].items() if _is_number(v)}


def _is_number(text) -> bool:
    try:
        float(text)
        return True
    except (TypeError, ValueError):
        return False


def km_atp() -> float:
    return pharmacology()["km_atp_ALK5"]


def residual_factor() -> float:
    return pharmacology()["Kd_residual_factor"]


def cheng_prusoff_ki(ic50_nM: float, atp_uM: float, km_uM: float) -> float:
    """Ki of an ATP-competitive inhibitor from an IC50 measured at ``atp_uM`` ATP (Cheng & Prusoff 1973)."""
    return ic50_nM / (1.0 + atp_uM / km_uM)


def apparent_kd(ki_nM: float, atp_uM: float, km_uM: float) -> float:
    """Apparent dissociation constant against ``atp_uM`` ATP (the Cheng-Prusoff IC50 at that ATP)."""
    return ki_nM * (1.0 + atp_uM / km_uM)


def ki_from(value_nM: float, assay_class: str, atp_uM: float = math.nan) -> float:
    """Ki of an ALK5 (or TbetaRII) potency: a binding Kd is Ki; an activity IC50 is corrected for its assay ATP
    (the assay's own, or Km when not stated); cellular values are not converted (they are compared, not used)."""
    if assay_class == "binding Kd":
        return value_nM
    if assay_class in ("biochemical kinase", "autophosphorylation", "assumed"):
        km = km_atp()
        return cheng_prusoff_ki(value_nM, km if math.isnan(atp_uM) else atp_uM, km)
    raise UserInputError(f"a {assay_class!r} value cannot give a Ki: give a biochemical, autophosphorylation or "
                         "binding value")


def declared_readout(assay_class: str, time: str) -> tuple[str, str]:
    """The model readout a reported cellular assay is compared on: a pSmad assay reads pSmad2 and a
    transcriptional reporter (3TP-lux, CAGA, PAI-1-luc) the PAI-1 (SERPINE1) mRNA, at the assay's time."""
    if assay_class == "cellular pSmad":
        return "pSmad2", f"at:{time}"
    if assay_class == "cellular reporter":
        return "PAI1_mRNA", f"at:{time}"
    raise UserInputError(f"no model readout for a {assay_class!r} assay (cellular pSmad or cellular reporter)")


def declared_assay(entry) -> dict | None:
    """A library row's declared cellular assay: model readout and metric, read time (min), ligand dose (pM) and
    pre-treatment (min); None without a cellular value."""
    if not (isinstance(entry.get("cell_assay_class"), str) and entry["cell_assay_class"]):
        return None
    readout, metric = declared_readout(entry["cell_assay_class"], entry["cell_time"])
    return {"readout": readout, "metric": metric, "read_min": parse_duration(entry["cell_time"], what="time"),
            "dose_pM": parse_concentration(entry["cell_ligand_dose"], to="pM", what="ligand dose"),
            "pretreat_min": parse_duration(entry["cell_pretreat"], what="pre-treatment")}


#: potency columns of a compound table (nM); an empty cell means "not reported"
POTENCY_COLUMNS = ("alk5_ic50_nM", "alk4_ic50_nM", "tbrii_ic50_nM", "alk1_ic50_nM", "cell_ic50_nM", "atp_uM",
                   "alk5_atp_uM", "kon_per_nM_min")
_MISSING = {"", "na", "nan", "n/a", "none"}
_AS_TEXT = {"name": str, **{c: str for c in POTENCY_COLUMNS}}     # parsed by _checked, cell by cell


@dataclass(frozen=True)
class Compound:
    name: str
    alk5_ic50_nM: float
    tbrii_ic50_nM: float = math.nan
    cell_ic50_nM: float = math.nan
    source: str = ""
    alk5_assay_class: str = "biochemical kinase"
    alk5_atp_uM: float = math.nan
    tbrii_assay_class: str = "biochemical kinase"
    kon_per_nM_min: float = math.nan          # empty: kon_default
    residual: float | None = None             # None: the fitted Kd_residual_factor
    alk1_ic50_nM: float = math.nan            # ALK1 (ACVRL1) off-target potency; empty: not reported
    alk1_assay_class: str = "biochemical kinase"

    def __post_init__(self):
        for what in ("alk5_ic50_nM", "tbrii_ic50_nM", "cell_ic50_nM", "alk1_ic50_nM"):
            value = getattr(self, what)
            if what == "alk5_ic50_nM" or not math.isnan(value):
                if not (math.isfinite(value) and value > 0):
                    raise UserInputError(f"compound {self.name!r}: {what} must be a finite potency > 0 nM, got {value!r}")

    @property
    def r(self) -> float:
        return residual_factor() if self.residual is None else self.residual

    @property
    def ki_nM(self) -> float:
        return ki_from(self.alk5_ic50_nM, self.alk5_assay_class, self.alk5_atp_uM)

    @property
    def kd_atp_nM(self) -> float:
        """Kd against cellular ATP (Cheng-Prusoff), before the residual factor."""
        return apparent_kd(self.ki_nM, pharmacology()["atp_cell"], km_atp())

    @property
    def kd_cell_nM(self) -> float:
        return self.kd_atp_nM * self.r

    @property
    def kd_tbrii_cell_nM(self) -> float:
        ki = ki_from(self.tbrii_ic50_nM, self.tbrii_assay_class)
        return apparent_kd(ki, pharmacology()["atp_cell"], km_atp()) * self.r

    @property
    def kd_alk1_cell_nM(self) -> float:
        """Cellular ALK1 affinity (inf when no ALK1 potency is reported: the compound is taken not to touch ALK1)."""
        if not math.isfinite(self.alk1_ic50_nM):
            return math.inf
        ki = ki_from(self.alk1_ic50_nM, self.alk1_assay_class)
        return apparent_kd(ki, pharmacology()["atp_cell"], km_atp()) * self.r

    def alk1_activity(self, conc_nM: float, residual_fold: float = 1.0) -> float:
        """ALK1 kinase activity left at ``conc_nM`` (1 without a reported ALK1 potency)."""
        if conc_nM <= 0 or not math.isfinite(self.alk1_ic50_nM):
            return 1.0
        return 1.0 / (1.0 + conc_nM / (self.kd_alk1_cell_nM * residual_fold))

    @property
    def kon(self) -> float:
        return pharmacology()["kon_default"] if math.isnan(self.kon_per_nM_min) else self.kon_per_nM_min

    @property
    def residence_time_min(self) -> float:
        return 1.0 / (self.kon * self.kd_cell_nM)

    def model_params(self) -> dict[str, float]:
        return {"Kd_inhibitor": self.kd_atp_nM, "Kd_residual_factor": self.r, "kon_inhibitor": self.kon}

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
        what = {"atp_uM": "an ATP concentration in uM", "alk5_atp_uM": "an ATP concentration in uM",
                "kon_per_nM_min": "an association rate in 1/(nM*min)"}.get(column, "a potency in nM")
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
                raise UserInputError(f"{where}: {text!r} is not a number ({what}; leave the cell empty "
                                     "when none is reported)") from None
            if not (math.isfinite(value) and value > 0):
                raise UserInputError(f"{where}: {text} is not valid (expected {what}, a finite number > 0; leave the "
                                     "cell empty when none is reported)")
            values.append(value)
        frame[column] = pd.Series(values, index=frame.index, dtype=float)
    return frame


def read_compounds(path=None) -> pd.DataFrame:
    """The library (``path`` None: compounds.csv + potency.csv as one row per compound) or a user file
    (columns name,alk5_ic50_nM[,tbrii_ic50_nM,cell_ic50_nM,alk5_assay_class,atp_uM])."""
    if path is None:
        return _library_frame()
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
    if "alk5_assay_class" in frame.columns:
        bad = sorted(set(frame["alk5_assay_class"].dropna()) - {"biochemical kinase", "autophosphorylation", "binding Kd"})
        if bad:
            raise UserInputError(f"{origin}: alk5_assay_class {bad[0]!r} is not one of biochemical kinase, "
                                 "autophosphorylation, binding Kd")
    return _checked(frame, origin)


POTENCY_TABLE_COLUMNS = ("compound", "target", "role", "measure", "value_nM", "assay_class", "readout", "cell_line",
                         "atp_uM", "time", "ligand_dose", "pretreat", "source", "verified", "note")
TARGETS = ("ALK5", "TBRII", "ALK4", "ALK7", "ALK1")
ROLES = ("input", "cellular", "offtarget", "other")


@lru_cache(maxsize=1)
def potency_table() -> pd.DataFrame:
    """``data/potency.csv``, checked: classes, roles, verified flags and numbers as declared; one input and at
    most one cellular value per compound; every cellular value declares its time, ligand dose and pre-treatment."""
    with resources.files("alk5_pysb").joinpath("data/potency.csv").open(encoding="utf-8") as fh:
        frame = pd.read_csv(fh, dtype=str, keep_default_na=False)
    missing = set(POTENCY_TABLE_COLUMNS) - set(frame.columns)
    if missing:
        raise ValueError(f"potency.csv lacks columns {sorted(missing)}")
    from alk5_pysb.model.parameters import check_side_table     # every value carries its spread (issue 17)
    check_side_table(frame.rename(columns={"value_nM": "value"}), lambda r: f"{r['compound']} {r['target']} {r['role']}",
                     "data/potency.csv")
    for i, row in frame.iterrows():
        where = f"potency.csv row {i + 2} ({row['compound']} {row['target']})"
        for column, valid in (("target", TARGETS), ("role", ROLES), ("assay_class", ASSAY_CLASSES),
                              ("verified", VERIFIED)):
            if row[column] not in valid:
                raise ValueError(f"{where}: {column} {row[column]!r} is not one of {', '.join(valid)}")
        if not (_num(row["value_nM"]) > 0):
            raise ValueError(f"{where}: value_nM {row['value_nM']!r} is not a potency > 0 nM")
        if row["role"] == "cellular":
            declared_readout(row["assay_class"], row["time"] or "?")
            if not (row["time"] and row["ligand_dose"] and row["pretreat"]):
                raise ValueError(f"{where}: a cellular value declares time, ligand_dose and pretreat")
        if row["role"] == "input" and row["assay_class"] not in ("biochemical kinase", "autophosphorylation", "binding Kd"):
            raise ValueError(f"{where}: an input must be a biochemical, autophosphorylation or binding value")
    for role in ("input", "cellular"):
        counts = frame[frame["role"] == role].groupby("compound").size()
        if (counts > 1).any():
            raise ValueError(f"potency.csv: more than one {role} value for {', '.join(counts[counts > 1].index)}")
    return frame


def _library_frame() -> pd.DataFrame:
    """One row per library compound: identity (compounds.csv) and its declared values (potency.csv) as columns
    alk5_* (the input), cell_* (the cellular comparison), tbrii_*/alk4_*/alk7_* (off-target)."""
    with resources.files("alk5_pysb").joinpath("data/compounds.csv").open(encoding="utf-8") as fh:
        frame = pd.read_csv(fh, dtype=str, keep_default_na=False)
    potency = potency_table()
    rows = []
    for _, ident in frame.iterrows():
        row = dict(ident)
        mine = potency[potency["compound"] == ident["name"]]
        picks = {"alk5": mine[(mine["target"] == "ALK5") & (mine["role"] == "input")],
                 "cell": mine[(mine["target"] == "ALK5") & (mine["role"] == "cellular")]}
        for target in ("TBRII", "ALK4", "ALK7", "ALK1"):
            picks[target.lower()] = mine[(mine["target"] == target) & (mine["role"] == "offtarget")].head(1)
        for prefix, pick in picks.items():
            row[f"{prefix}_ic50_nM"] = _num(pick["value_nM"].iloc[0]) if len(pick) else math.nan
            for column in ("measure", "assay_class", "readout", "cell_line", "atp_uM", "time", "ligand_dose", "pretreat",
                           "source", "verified"):
                row[f"{prefix}_{column}"] = pick[column].iloc[0] if len(pick) else ""
            if len(pick):
                where = f", {pick['cell_line'].iloc[0]}" if pick["cell_line"].iloc[0] else ""
                row[f"{prefix}_assay"] = f"{pick['assay_class'].iloc[0]}: {pick['readout'].iloc[0]}{where}"
            else:
                row[f"{prefix}_assay"] = ""
        rows.append(row)
    return _checked(pd.DataFrame(rows), "the compound library")


@lru_cache(maxsize=1)
def library() -> pd.DataFrame:
    return read_compounds().set_index("name", drop=False)


def _from_row(row) -> Compound:
    name = str(row["name"])
    ic50 = _num(row.get("alk5_ic50_nM"))
    if not math.isfinite(ic50) or ic50 <= 0:
        raise UserInputError(f"compound {name!r} has no ALK5 potency (no public data): supply one with "
                             f"--ki 30nM or --compound-file my.csv (columns name,alk5_ic50_nM)")
    text = lambda key, default: (str(row.get(key)) if isinstance(row.get(key), str) and row.get(key) else default)
    return Compound(name, ic50, _num(row.get("tbrii_ic50_nM")), _num(row.get("cell_ic50_nM")),
                    str(row.get("alk5_source", "")), alk5_assay_class=text("alk5_assay_class", "biochemical kinase"),
                    alk5_atp_uM=_num(row.get("alk5_atp_uM", row.get("atp_uM"))),
                    tbrii_assay_class=text("tbrii_assay_class", "biochemical kinase"),
                    kon_per_nM_min=_num(row.get("kon_per_nM_min")), alk1_ic50_nM=_num(row.get("alk1_ic50_nM")),
                    alk1_assay_class=text("alk1_assay_class", "biochemical kinase"))


def get_compound(name: str | None = None, ki: str | None = None, compound_file=None) -> Compound:
    """A compound from the library, a user file, or a bare potency (--ki)."""
    if ki is not None:
        value = parse_concentration(ki, to="nM", molar_mass_kDa=None, what="--ki")
        if value <= 0:
            raise UserInputError("--ki must be > 0")
        # --ki is a Ki (ATP-independent): used as is, like a binding Kd
        return Compound(name or f"Ki={ki}", value, source="user-supplied Ki", alk5_assay_class="binding Kd")
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
