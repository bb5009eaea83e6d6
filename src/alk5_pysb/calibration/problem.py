"""Reading a PEtab (v1) problem: the YAML, the tables it names, and the ligands and parameters it uses
(to choose the network before compiling). A missing or unreadable problem is a one-line error.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd

from alk5_pysb.errors import UserInputError
from alk5_pysb.model.names import LIGANDS


#: condition-table columns that set up the experiment (Experiment.sbml_changes writes them)
DOSE_COLUMNS = {f"dose_{lig}_pM": lig for lig in LIGANDS}
EXPERIMENT_COLUMNS = (*DOSE_COLUMNS, "ligand_time_min", "Inhibitor_0", "inhibitor_time_min", "Trap_0",
                      "TBRII_kinase_activity")


def _one_line(err) -> str:
    return " ".join(str(err).split())


def problem_from_tables(path: Path, sbml: Path):
    """A problem whose tables are the ones its YAML names (every file of each list) but whose SBML is ``sbml``."""
    import petab.v1 as petab
    from petab.v1.models.sbml_model import SbmlModel
    spec = petab.yaml.load_yaml(str(path))
    tables = spec["problems"][0]
    read = lambda key, parser: petab.concat_tables([str(path.parent / name) for name in tables[key]], parser)
    return petab.Problem(model=SbmlModel.from_file(str(sbml)),
                         condition_df=read("condition_files", petab.get_condition_df),
                         measurement_df=read("measurement_files", petab.get_measurement_df),
                         observable_df=read("observable_files", petab.get_observable_df),
                         parameter_df=petab.get_parameter_df(str(path.parent / spec["parameter_file"])))


def problem_path(text) -> Path:
    """The YAML file of a problem given as a path or as the name of a shipped one (``hepatocyte``)."""
    from alk5_pysb.io import contexts
    path = Path(text)
    if not path.is_file() and str(text) in contexts.problems():
        path = contexts.problem_yaml(str(text))
    if not path.is_file():
        raise UserInputError(f"PEtab problem {path} not found (give the problem's YAML file, or a shipped problem: "
                             f"{', '.join(contexts.problems()) or 'none'})")
    return path


def load_problem(yaml_path):
    """The PEtab v1 problem of a YAML file, or of a named context (``hepatocyte``: its shipped problem);
    a missing or unreadable problem is a one-line UserInputError. A problem on ``alk5_rest.sbml`` whose
    SBML is not where the YAML says (a shipped problem in a checkout) uses the exports the simulator reads:
    the engine runs its own model, the SBML only names what the tables may refer to."""
    import petab.v1 as petab
    path = problem_path(yaml_path)
    try:
        spec = petab.yaml.load_yaml(str(path))
        sbml = [path.parent / f for f in spec["problems"][0].get("sbml_files", [])]
        if len(sbml) == 1 and not sbml[0].is_file() and sbml[0].name == "alk5_rest.sbml":
            from alk5_pysb.io.locations import models_dir
            problem = problem_from_tables(path, models_dir() / "alk5_rest.sbml")
        else:
            problem = petab.Problem.from_yaml(str(path))
    except Exception as err:    # petab raises many kinds; the user needs the first line only
        raise UserInputError(f"cannot read PEtab problem {path}: {_one_line(err)}") from None
    for table in ("condition_df", "measurement_df", "observable_df", "parameter_df"):
        if getattr(problem, table) is None:
            raise UserInputError(f"PEtab problem {path} has no {table.removesuffix('_df')} table")
    return problem


def problem_ligands_and_parameters(problem) -> tuple[list[str], list[str]]:
    """The ligands a problem doses and the names it may set (to choose the network before compiling)."""
    conditions = problem.condition_df
    ligands = [lig for column, lig in DOSE_COLUMNS.items()
               if column in conditions and (pd.to_numeric(conditions[column], errors="coerce").fillna(0) > 0).any()]
    from alk5_pysb.model.parameters import default_table
    model = set(default_table().names)        # observable and noise parameters do not choose the network
    names = [c for c in conditions.columns if c not in EXPERIMENT_COLUMNS and c != "conditionName"]
    return ligands or ["TGFB1"], [n for n in [*names, *problem.parameter_df.index] if n in model or n in names]


def problem_files(problem_yaml) -> list[Path]:
    """The tables a PEtab v1 YAML names (parameter, condition, measurement, observable files), in order;
    other files in its folder do not belong to the problem."""
    import yaml
    folder = Path(problem_yaml).parent
    spec = yaml.safe_load(Path(problem_yaml).read_text(encoding="utf-8"))
    names = [spec["parameter_file"]] if isinstance(spec.get("parameter_file"), str) else list(spec.get("parameter_file", []))
    for problem in spec.get("problems", []):
        for key in ("condition_files", "measurement_files", "observable_files", "visualization_files"):
            names += list(problem.get(key, []))
    return [folder / name for name in names]


def problem_digest(problem_yaml) -> str:
    """SHA-256 of the YAML and of the tables it names (what --resume must find unchanged)."""
    digest = hashlib.sha256(Path(problem_yaml).read_bytes())
    for table in problem_files(problem_yaml):
        digest.update(table.read_bytes())
    return digest.hexdigest()
