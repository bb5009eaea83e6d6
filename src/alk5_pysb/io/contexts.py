"""Cell contexts: parameter sets fitted to one cell type's measurements, applied over the default table.

A context is a parameter file in the table's format (``name,value,unit,...,evidence,source``; the
``best.csv`` that ``alk5 calibrate`` writes is one). Named contexts ship with the package under
``data/contexts/<name>/parameters.csv`` next to the calibration problem and the report of the fit that
made them (``report.json``). ``simulate``, ``dose-response``, ``inhibition``, ``run`` and ``scan`` take
``--context NAME`` or ``--context FILE.csv``; ``--set``/``--scale`` then act on top of the context.
"""
from __future__ import annotations

from importlib import resources
from pathlib import Path

import pandas as pd

from alk5_pysb.errors import UserInputError

CONTEXTS = "data/contexts"
PARAMETER_FILE = "parameters.csv"


def _root():
    return resources.files("alk5_pysb").joinpath(CONTEXTS)


def names() -> list[str]:
    """Named contexts shipped with the package (those with a fitted parameter file)."""
    root = _root()
    if not root.is_dir():
        return []
    return sorted(entry.name for entry in root.iterdir() if entry.joinpath(PARAMETER_FILE).is_file())


def problems() -> list[str]:
    """Contexts that ship a calibration problem (``problem.yaml``): ``alk5 calibrate NAME`` fits them."""
    root = _root()
    if not root.is_dir():
        return []
    return sorted(entry.name for entry in root.iterdir() if entry.joinpath("problem.yaml").is_file())


def problem_yaml(name: str) -> Path:
    if name not in problems():
        raise UserInputError(f"no calibration problem named {name!r}: shipped problems are "
                             f"{', '.join(problems()) or 'none'} (or give a PEtab YAML file)")
    return Path(str(_root().joinpath(name, "problem.yaml")))


def folder(name: str):
    """The shipped folder of a named context (problem, parameters, fit report)."""
    if name not in names():
        valid = ", ".join(names()) or "none shipped"
        raise UserInputError(f"unknown context {name!r}: valid contexts are {valid} (or a parameter file *.csv)")
    return _root().joinpath(name)


def read_parameter_file(path) -> dict[str, float]:
    """{name: value} of a parameter file (columns ``name`` and ``value``; other columns are documentation)."""
    path = Path(path)
    if not path.is_file():
        raise UserInputError(f"parameter file {path} not found")
    try:
        table = pd.read_csv(path, encoding="utf-8")
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as err:
        raise UserInputError(f"{path}: not a CSV parameter file ({str(err).splitlines()[0]})") from None
    missing = {"name", "value"} - set(table.columns)
    if missing:
        raise UserInputError(f"{path}: a parameter file needs the columns name and value (missing: "
                             f"{', '.join(sorted(missing))})")
    values = pd.to_numeric(table["value"], errors="coerce")
    bad = table.loc[values.isna() | (values < 0), "name"].tolist()
    if bad:
        raise UserInputError(f"{path}: values must be numbers >= 0 (in the table's units); check {', '.join(map(str, bad))}")
    names = table["name"].astype(str)
    twice = sorted(set(names[names.duplicated()]))
    if twice:
        raise UserInputError(f"{path}: {', '.join(twice)} given more than once")
    from alk5_pysb.model.parameters import default_table
    known = default_table()
    unknown = [n for n in names if n not in known.names]
    if unknown:
        raise UserInputError(f"{path}: unknown parameter(s) {', '.join(unknown)} (`alk5 info` lists the parameters)")
    if "unit" in table:                      # a unit, where given, must be the table's: values are not converted
        wrong = [f"{n} in {u} (expected {known.unit(n)})" for n, u in zip(names, table["unit"])
                 if isinstance(u, str) and u.strip() and u.strip() != known.unit(n)]
        if wrong:
            raise UserInputError(f"{path}: values must be in the parameter table's units: {'; '.join(wrong)}")
    if "distribution" in table:              # ranges, where given, are checked like the parameter table's
        from alk5_pysb.model.parameters import ParameterTableError, range_problems
        problems = [p for _, row in table.iterrows() for p in range_problems(str(row["name"]), row, known.names)]
        if problems:
            raise ParameterTableError(f"{path}: " + "; ".join(problems))
    return dict(zip(names, values.astype(float)))


def read_ranges(name_or_file: str | None) -> pd.DataFrame | None:
    """The distributions a context file gives (rows in the parameter table's format), or None."""
    if not name_or_file:
        return None
    text = str(name_or_file)
    if text.endswith(".csv") or Path(text).is_file():
        load(text)                            # checked
        table = pd.read_csv(text, encoding="utf-8")
    else:
        with resources.as_file(folder(text).joinpath(PARAMETER_FILE)) as path:
            table = pd.read_csv(path, encoding="utf-8")
    if "distribution" not in table:
        return None
    table = table.set_index("name")
    for column in ("evidence", "range_reason"):
        if column not in table:
            table[column] = ""
    return table


def load(name_or_file: str | None) -> dict[str, float]:
    """Parameter values of a named context or of a parameter file; {} for None."""
    if not name_or_file:
        return {}
    text = str(name_or_file)
    if text.endswith(".csv") or Path(text).is_file():
        return read_parameter_file(text)
    with resources.as_file(folder(text).joinpath(PARAMETER_FILE)) as path:
        return read_parameter_file(path)


def metadata(name_or_file: str | None) -> dict:
    """A named context's ``context.json`` (description, network, cell type, sources); {} for files and None."""
    import json
    if not name_or_file or str(name_or_file).endswith(".csv") or Path(str(name_or_file)).is_file():
        return {}
    meta = folder(str(name_or_file)).joinpath("context.json")
    return json.loads(meta.read_text(encoding="utf-8")) if meta.is_file() else {}


def network(name_or_file: str | None) -> str | None:
    """The network a named context runs on (``fibrosis`` for fibroblasts), or None (the command's choice)."""
    chosen = metadata(name_or_file).get("network")
    return None if chosen in (None, "auto") else chosen


def describe(name: str) -> str:
    """One line: where a named context's values come from."""
    import json
    summary = folder(name).joinpath("report.json")
    if not summary.is_file():
        meta = metadata(name)
        sources = "; ".join(meta.get("sources", []))
        net = f" [network: {meta['network']}]" if meta.get("network", "auto") != "auto" else ""
        return f"{name}: {meta.get('description', '')}{net}" + (f" (sources: {sources})" if sources else "")
    data = json.loads(summary.read_text(encoding="utf-8"))
    return (f"{name}: {data.get('description', '')} (fit: -log L {data.get('nllh', float('nan')):.1f}, "
            f"{data.get('n_data', '?')} data, {data.get('n_estimated', '?')} parameters)")
