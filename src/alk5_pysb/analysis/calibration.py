"""Multi-start calibration of a PEtab (v1) problem on alk5's own engine, with pyPESTO.

The PEtab tables are read with ``petab.v1``; every simulation condition becomes an
:class:`~alk5_pysb.simulation.experiment.Experiment` run by :class:`Simulator`, the same engine as every
other ``alk5`` command. The simulator pre-equilibrates resting cells (no ligand) for every parameter set,
so a changed parameter changes the resting state too: pre-equilibration is part of every condition. A
``preequilibrationConditionId`` is therefore honoured as it stands when that condition is "resting cells"
(no ligand, drug or trap, and no parameter the simulation condition does not set the same way), and
refused otherwise.

PEtab times are the resting-state SBML's (``alk5_rest.sbml``: it starts at rest, the ligand comes at
``ligand_time_min``), so a measurement at PEtab time t is the experiment at t - ``ligand_time_min``
minutes after ligand addition (negative during an inhibitor pre-treatment).

The objective is the PEtab negative log-likelihood (normal or Laplace noise, lin/log/log10 observable
transformation, constant terms included so AIC and BIC are right). Gradients are central finite
differences (``pypesto.objective.FD``): libRoadRunner's forward sensitivities restart from zero at every
dose event and cannot carry the pre-equilibrated state's sensitivity, and on this stiff model its CVODES
run failed after 35 s for 4 parameters (a plain 8 h run takes 4 ms; see ``scripts/bench.py``).
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from alk5_pysb.errors import SimulationError, UserInputError
from alk5_pysb.io.files import atomic_write, make_folder
from alk5_pysb.model.names import LIGANDS
from alk5_pysb.simulation.experiment import Experiment

OPTIMIZERS = ("fides", "scipy-ls", "nelder-mead")
SCALES = ("lin", "log", "log10")
#: condition-table columns that set up the experiment (Experiment.sbml_changes writes them)
DOSE_COLUMNS = {f"dose_{lig}_pM": lig for lig in LIGANDS}
EXPERIMENT_COLUMNS = (*DOSE_COLUMNS, "ligand_time_min", "Inhibitor_0", "inhibitor_time_min", "Trap_0",
                      "TBRII_kinase_activity")
FD_STEP = 1e-3          # central-difference step: 1e-3 on log scales (0.23%), relative 1e-3 on lin scale
AT_BEST = 0.1           # a start "converged" when its objective is within this of the best (NLL units)
Z95 = 1.959963984540054


def _one_line(err) -> str:
    return " ".join(str(err).split())


# -- reading the problem -------------------------------------------------------------------------
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


class _TbetaRIIEffect:
    """A drug whose TbetaRII effect a condition table states as TBRII_kinase_activity (its ALK5 affinity
    stays the model's Kd_inhibitor)."""

    def __init__(self, activity: float):
        self.name, self.activity = f"inhibitor (TbetaRII activity {activity:g})", activity

    def model_params(self) -> dict:
        return {}

    def tbrii_activity(self, conc_nM: float) -> float:
        return self.activity if conc_nM > 0 else 1.0


@dataclass
class Condition:
    """A PEtab simulation condition as alk5 runs it; ``ligand_time_min`` shifts PEtab times."""
    experiment: Experiment
    ligand_time_min: float
    params: dict          # model parameters the condition table sets


def _number(value, where) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise UserInputError(f"{where}: {value!r} is not a number (alk5 calibrate takes numbers in the condition "
                             "table)") from None
    if not math.isfinite(number):
        raise UserInputError(f"{where}: {value!r} is not a finite number")
    return number


def condition_experiment(condition_id: str, row: pd.Series, model_parameters) -> Condition:
    """The Experiment of one condition-table row: dose handles map back to Experiment fields, model
    parameter columns go to ``Experiment.params``; any other column is refused, naming the valid ones."""
    values = {}
    for column, value in row.items():
        if column == "conditionName":
            continue
        if column not in EXPERIMENT_COLUMNS and column not in model_parameters:
            raise UserInputError(f"condition table column {column!r} is neither a model parameter nor a dose handle; "
                                 f"valid columns: {', '.join(EXPERIMENT_COLUMNS)} and the model parameters "
                                 "(`alk5 info`)")
        if not (isinstance(value, float) and math.isnan(value)):     # empty cell: the model's value
            values[column] = _number(value, f"condition {condition_id}, column {column}")
    doses = {DOSE_COLUMNS[c]: values.pop(c) for c in list(values) if c in DOSE_COLUMNS}
    dosed = [lig for lig, dose in doses.items() if dose > 0]
    if len(dosed) > 1:
        raise UserInputError(f"condition {condition_id} doses {', '.join(dosed)}: alk5 runs one ligand per experiment")
    ligand = dosed[0] if dosed else "TGFB1"
    ligand_time = values.pop("ligand_time_min", 0.0)
    inhibitor = values.pop("Inhibitor_0", 0.0)
    inhibitor_time = values.pop("inhibitor_time_min", 0.0)
    trap = values.pop("Trap_0", 0.0)
    activity = values.pop("TBRII_kinase_activity", 1.0)
    fields = dict(ligand=ligand, dose_pM=doses.get(ligand, 0.0), trap_nM=trap, name=condition_id, params=values)
    if inhibitor > 0:
        # the rest SBML starts at rest (t = 0); the experiment starts when the first dose comes
        fields.update(inhibitor_nM=inhibitor, compound=_TbetaRIIEffect(activity) if activity != 1.0 else None)
        if inhibitor_time < ligand_time:
            fields["pretreat_min"] = ligand_time - inhibitor_time
        else:
            fields["inhibitor_at_min"] = inhibitor_time - ligand_time
    return Condition(Experiment(**fields), ligand_time, values)


# -- the objective -------------------------------------------------------------------------------
def _placeholders(kind: str, observable_id: str, text) -> dict:
    """``observableParameter{n}_{obsId}`` (or noiseParameter...) -> number or parameter id from one cell."""
    import petab.v1 as petab
    if text is None or (isinstance(text, float) and math.isnan(text)) or str(text).strip() == "":
        return {}
    values = petab.measurements.split_parameter_replacement_list(text)
    return {f"{kind}{n}_{observable_id}": value for n, value in enumerate(values, 1)}


@dataclass
class _Row:
    """One measurement, ready to evaluate."""
    condition: str
    observable: str
    time: float           # minutes after ligand addition (the Experiment's time)
    value: float
    overrides: dict       # placeholder -> number or parameter id


class PetabObjective:
    """The negative log-likelihood of a PEtab v1 problem, simulated by ``sim`` (a Simulator).

    ``x`` are the estimated parameters on their PEtab scale, in ``x_ids`` order."""

    def __init__(self, problem, sim):
        self.sim = sim
        parameters = problem.parameter_df
        for pid, scale in parameters["parameterScale"].items():
            if scale not in SCALES:
                raise UserInputError(f"parameter {pid}: parameterScale {scale!r} is not one of {', '.join(SCALES)}")
        self.x_ids = list(problem.x_free_ids)
        if not self.x_ids:
            raise UserInputError("the PEtab problem estimates no parameter (estimate = 1 in the parameter table)")
        self.scales = [parameters.loc[p, "parameterScale"] for p in self.x_ids]
        self.lb = np.asarray(problem.get_lb(fixed=False, scaled=True), dtype=float)
        self.ub = np.asarray(problem.get_ub(fixed=False, scaled=True), dtype=float)
        self.nominal = {p: float(v) for p, v in parameters["nominalValue"].items() if not pd.isna(v)}
        self.model_ids = [p for p in parameters.index if p in sim.table_parameters]
        self.conditions = {cid: condition_experiment(cid, row, sim.table_parameters)
                           for cid, row in problem.condition_df.iterrows()}
        self.rows = self._rows(problem.measurement_df)
        self._observable_df = problem.observable_df
        self._observables(problem.observable_df)
        used = {r.condition for r in self.rows}
        self.conditions = {c: v for c, v in self.conditions.items() if c in used}
        self._check_preequilibration(problem)
        self._cache = (None, None)

    # to worker processes: sympy's lambdified functions do not pickle, so they are compiled again there
    def __getstate__(self):
        return {k: v for k, v in self.__dict__.items() if k != "formulas"}

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._observables(self._observable_df)

    # set-up -------------------------------------------------------------------------------
    def _rows(self, measurements: pd.DataFrame) -> list[_Row]:
        rows = []
        for i, m in measurements.iterrows():
            cid, oid = m["simulationConditionId"], m["observableId"]
            if cid not in self.conditions:
                raise UserInputError(f"measurement row {i + 1}: condition {cid!r} is not in the condition table")
            t = float(m["time"])
            if not math.isfinite(t):
                raise UserInputError(f"measurement row {i + 1}: time {m['time']!r} must be a number (steady-state "
                                     "measurements, time inf, are not supported)")
            condition = self.conditions[cid]
            t_exp = t - condition.ligand_time_min
            if t_exp < -condition.experiment.pretreat_min - 1e-9:
                raise UserInputError(f"measurement row {i + 1}: time {t:g} min is before the first dose of condition "
                                     f"{cid} (cells at rest; measure them at the first dose instead)")
            overrides = {**_placeholders("observableParameter", oid, m.get("observableParameters")),
                         **_placeholders("noiseParameter", oid, m.get("noiseParameters"))}
            rows.append(_Row(cid, oid, t_exp, float(m["measurement"]), overrides))
        return rows

    def _observables(self, observables: pd.DataFrame):
        """Observable and noise formulas compiled with sympy; their symbols are readouts, parameters or
        placeholders, each checked here so a typo is one clear line before any simulation."""
        import sympy
        from petab.v1.math import sympify_petab
        known = set(self.sim.observables) | set(self.sim.table_parameters) | set(self.nominal)
        self.formulas, self.readouts = {}, set()
        for oid, row in observables.iterrows():
            transformation = row.get("observableTransformation", "lin")
            transformation = "lin" if pd.isna(transformation) else transformation
            distribution = row.get("noiseDistribution", "normal")
            distribution = "normal" if pd.isna(distribution) else distribution
            if transformation not in SCALES:
                raise UserInputError(f"observable {oid}: observableTransformation {transformation!r} is not one of "
                                     f"{', '.join(SCALES)}")
            if distribution not in ("normal", "laplace"):
                raise UserInputError(f"observable {oid}: noiseDistribution {distribution!r} is not normal or laplace")
            compiled = []
            for kind, column in (("observable", "observableFormula"), ("noise", "noiseFormula")):
                expr = sympify_petab(str(row[column]))
                names = sorted(str(s) for s in expr.free_symbols)
                placeholder = f"{kind}Parameter"
                for name in names:
                    if name not in known and not (name.startswith(placeholder) and name.endswith(f"_{oid}")):
                        raise UserInputError(f"observable {oid}: {column} uses {name!r}, which is not a readout, a "
                                             "parameter or a placeholder of this observable")
                self.readouts.update(n for n in names if n in self.sim.observables)
                compiled.append((names, sympy.lambdify([sympy.Symbol(n) for n in names], expr, "numpy")))
            self.formulas[oid] = (*compiled, transformation, distribution)
        missing = sorted({r.observable for r in self.rows} - set(self.formulas))
        if missing:
            raise UserInputError(f"measurements name observables {', '.join(missing)} that the observable table lacks")
        self.readouts = sorted(self.readouts)

    def _check_preequilibration(self, problem):
        """The engine pre-equilibrates resting cells for every parameter set: a pre-equilibration condition
        is honoured when it is exactly that (no doses; parameters as in the simulation condition)."""
        column = problem.measurement_df.get("preequilibrationConditionId")
        if column is None:
            return
        for pre, cid in set(zip(column, problem.measurement_df["simulationConditionId"])):
            if pd.isna(pre) or pre == "":
                continue
            if pre not in problem.condition_df.index:
                raise UserInputError(f"preequilibration condition {pre!r} is not in the condition table")
            rest = condition_experiment(pre, problem.condition_df.loc[pre], self.sim.table_parameters)
            e = rest.experiment
            differs = {k: v for k, v in rest.params.items() if self.conditions[cid].params.get(k, v) != v
                       or k not in self.conditions[cid].params}
            if e.dose_pM > 0 or e.inhibitor_nM > 0 or e.trap_nM > 0 or differs:
                raise UserInputError(f"preequilibration condition {pre!r} (for {cid}) is not resting cells: alk5 always "
                                     "pre-equilibrates without ligand, drug or trap, with the simulation condition's "
                                     "parameters; put doses in the simulation condition")

    # parameters ---------------------------------------------------------------------------
    def unscale(self, x) -> dict[str, float]:
        """Every parameter-table value on linear scale: estimated ones from ``x``, the rest nominal."""
        values = dict(self.nominal)
        for pid, scale, v in zip(self.x_ids, self.scales, x):
            values[pid] = float(v if scale == "lin" else math.exp(v) if scale == "log" else 10.0 ** v)
        return values

    def scale(self, values: dict) -> np.ndarray:
        out = []
        for pid, scale in zip(self.x_ids, self.scales):
            v = values[pid]
            out.append(v if scale == "lin" else math.log(v) if scale == "log" else math.log10(v))
        return np.asarray(out, dtype=float)

    def fd_steps(self) -> np.ndarray:
        """Central-difference steps in x: FD_STEP on log scales, FD_STEP relative on linear scale."""
        return np.asarray([FD_STEP if s != "lin" else FD_STEP * max(abs(self.nominal.get(p, 1.0)), 1e-12)
                           for p, s in zip(self.x_ids, self.scales)])

    def model_params(self, values: dict, condition: Condition) -> dict[str, float]:
        params = {p: values[p] for p in self.model_ids}
        params.update(condition.params)
        return params

    # simulation ---------------------------------------------------------------------------
    def experiment(self, cid: str, dense: int | None = None) -> Experiment:
        """The condition's experiment on its measurement times (or ``dense`` points over the same window)."""
        condition = self.conditions[cid]
        times = sorted({r.time for r in self.rows if r.condition == cid})
        t_end = max(max(times), 1.0)
        if dense:
            return dataclasses.replace(condition.experiment, t_end_min=t_end, times=None, n_points=dense,
                                       readouts=tuple(self.readouts))
        return dataclasses.replace(condition.experiment, t_end_min=t_end, times=tuple(times),
                                   readouts=tuple(self.readouts))

    def simulate(self, values: dict, dense: int | None = None) -> dict[str, pd.DataFrame]:
        """Readouts per condition (``time_min`` after ligand addition)."""
        return {cid: self.sim.run(self.experiment(cid, dense), params=self.model_params(values, c))
                for cid, c in self.conditions.items()}

    def _scope(self, names, row: _Row, values: dict, frame_row, params: dict):
        out = []
        for name in names:
            if name in row.overrides:
                value = row.overrides[name]
                out.append(values[value] if isinstance(value, str) else float(value))
            elif name in frame_row:
                out.append(frame_row[name])
            elif name in values:
                out.append(values[name])
            elif name in params:
                out.append(params[name])
            elif name in self.sim.table_parameters:
                out.append(self.sim._origin[name])
            else:
                raise UserInputError(f"observable {row.observable}: {name} has no value for condition {row.condition} "
                                     "(observableParameters/noiseParameters in the measurement table fill placeholders)")
        return out

    def predictions(self, x) -> tuple[np.ndarray, np.ndarray]:
        """Model value (before transformation) and noise parameter of every measurement; cached per x."""
        x = np.asarray(x, dtype=float)
        if self._cache[0] is not None and np.array_equal(self._cache[0], x):
            return self._cache[1]
        values = self.unscale(x)
        frames = self.simulate(values)
        model, sigma = np.empty(len(self.rows)), np.empty(len(self.rows))
        for i, row in enumerate(self.rows):
            frame = frames[row.condition]
            k = int(np.argmin(np.abs(frame["time_min"].to_numpy() - row.time)))
            frame_row = frame.iloc[k]
            params = self.model_params(values, self.conditions[row.condition])
            (obs_names, obs_fn), (noise_names, noise_fn), _, _ = self.formulas[row.observable]
            model[i] = obs_fn(*self._scope(obs_names, row, values, frame_row, params))
            sigma[i] = noise_fn(*self._scope(noise_names, row, values, frame_row, params))
        self._cache = (x.copy(), (model, sigma))
        return model, sigma

    def _transformed(self, model):
        data = np.array([r.value for r in self.rows])
        kinds = [self.formulas[r.observable][2] for r in self.rows]
        with np.errstate(divide="ignore", invalid="ignore"):
            tf = lambda v, k: v if k == "lin" else np.log(v) if k == "log" else np.log10(v)   # noqa: E731
            y = np.array([tf(v, k) for v, k in zip(data, kinds)])
            m = np.array([tf(v, k) for v, k in zip(model, kinds)])
            # the data live on the linear scale: the density transforms with d(log m)/dm
            jacobian = np.array([0.0 if k == "lin" else np.log(d) if k == "log" else np.log(d * np.log(10.0))
                                 for d, k in zip(data, kinds)])
        return y, m, jacobian

    # PEtab likelihood -----------------------------------------------------------------------
    def nll(self, x) -> float:
        """Negative log-likelihood, PEtab convention (constant terms included); inf when the solver fails."""
        try:
            model, sigma = self.predictions(x)
        except SimulationError:
            return float("inf")
        y, m, jacobian = self._transformed(model)
        laplace = np.array([self.formulas[r.observable][3] == "laplace" for r in self.rows])
        with np.errstate(divide="ignore", invalid="ignore"):
            normal = 0.5 * np.log(2 * np.pi * sigma**2) + 0.5 * ((y - m) / sigma) ** 2
            lap = np.log(2 * sigma) + np.abs(y - m) / sigma
            terms = np.where(laplace, lap, normal) + jacobian
        total = float(np.sum(terms))
        return total if np.isfinite(total) else float("inf")

    @property
    def least_squares(self) -> bool:
        """Residuals exist (scipy-ls, FIM) when every noise is normal and no noise parameter is estimated."""
        if any(f[3] != "normal" for f in self.formulas.values()):
            return False
        noise_symbols = {n for f in self.formulas.values() for n in f[1][0]}
        noise_symbols |= {v for r in self.rows for k, v in r.overrides.items()
                          if k.startswith("noiseParameter") and isinstance(v, str)}
        return not (noise_symbols & set(self.x_ids))

    def residuals(self, x) -> np.ndarray:
        """(data - model) / sigma on the transformed scale; inf when the solver fails."""
        try:
            model, sigma = self.predictions(x)
        except SimulationError:
            return np.full(len(self.rows), np.inf)
        y, m, _ = self._transformed(model)
        with np.errstate(divide="ignore", invalid="ignore"):
            res = (y - m) / sigma
        return np.where(np.isfinite(res), res, np.inf)

    # pyPESTO -----------------------------------------------------------------------------------
    def pypesto_problem(self):
        """A pypesto Problem over the estimated parameters (on their PEtab scales), gradients (and residual
        sensitivities, for least squares) by central finite differences."""
        import pypesto
        from pypesto.objective import FD
        base = pypesto.Objective(fun=self.nll, res=self.residuals if self.least_squares else None,
                                 x_names=self.x_ids)
        steps = self.fd_steps()
        objective = FD(base, grad=True, hess=False, sres=self.least_squares, delta_fun=steps, delta_res=steps,
                       x_names=self.x_ids)
        return pypesto.Problem(objective, lb=self.lb, ub=self.ub, x_names=self.x_ids, x_scales=self.scales)


# -- optimizers and starts -----------------------------------------------------------------------
def optimizer(name: str, objective: PetabObjective, max_iter: int = 200):
    """The pyPESTO optimizer for --optimizer (at most ``max_iter`` iterations, or function evaluations for
    the derivative-free ones); refused with a reason when it cannot run this problem."""
    import logging

    import pypesto.optimize as optimize
    if name not in OPTIMIZERS:
        raise UserInputError(f"unknown optimizer {name!r}: valid optimizers are {', '.join(OPTIMIZERS)}")
    if name == "fides":
        try:
            import fides  # noqa: F401
        except ModuleNotFoundError:
            raise UserInputError("--optimizer fides needs the fides package (pip install fides), or use "
                                 "--optimizer scipy-ls") from None
        return optimize.FidesOptimizer(verbose=logging.ERROR, options={"maxiter": max_iter})
    if name == "scipy-ls":
        if not objective.least_squares:
            raise UserInputError("--optimizer scipy-ls needs normal noise with fixed noise parameters (residuals); "
                                 "use fides or nelder-mead for this problem")
        # pyPESTO hands "maxfun" to scipy's least_squares as max_nfev (a "max_nfev" key is ignored)
        return optimize.ScipyOptimizer(method="ls_trf", options={"maxfun": max_iter})
    return optimize.ScipyOptimizer(method="Nelder-Mead", options={"maxfev": max_iter * len(objective.x_ids)})


def startpoints(objective: PetabObjective, n: int, seed: int) -> np.ndarray:
    """n starting points, uniform within the bounds on the parameters' scales; the same for the same seed,
    so a resumed fit continues the same starts."""
    rng = np.random.default_rng(seed)
    return rng.uniform(objective.lb, objective.ub, size=(n, len(objective.x_ids)))


def run_start(problem, opt, index: int, x0) -> dict:
    """One local optimisation (pyPESTO's optimizer on the problem); one row of starts.csv."""
    from pypesto.optimize import OptimizeOptions
    t0 = time.perf_counter()
    result = opt.minimize(problem, x0=np.asarray(x0), id=str(index),
                          optimize_options=OptimizeOptions(allow_failed_starts=True))
    x = result.x if result.x is not None else np.full(len(x0), np.nan)
    # the NLL at the end point (a least-squares optimizer reports 0.5*sum(res^2), without the constant terms)
    fval = float(problem.objective(np.asarray(x), sensi_orders=(0,))) if np.all(np.isfinite(x)) else float("inf")
    fval = fval if np.isfinite(fval) else float("inf")
    return {"start": index, "objective": fval, "x": [float(v) for v in x], "exitflag": result.exitflag,
            "message": " ".join(str(result.message).split()), "n_fval": int(result.n_fval or 0),
            "time_s": time.perf_counter() - t0}


def _worker_start(blob: bytes, index: int, x0):
    from alk5_pysb.simulation.engine import _worker_sim
    problem, opt = _worker_sim(blob)          # unpickled once per worker process
    return run_start(problem, opt, index, x0)


# -- outputs ------------------------------------------------------------------------------------
def starts_table(rows: list[dict], objective: PetabObjective) -> pd.DataFrame:
    """starts.csv: one row per finished start, parameters on linear scale."""
    out = []
    for r in sorted(rows, key=lambda r: r["start"]):
        values = objective.unscale(r["x"]) if np.all(np.isfinite(r["x"])) else {p: np.nan for p in objective.x_ids}
        out.append({"start": r["start"], "objective": r["objective"], **{p: values[p] for p in objective.x_ids},
                    "exitflag": r["exitflag"], "message": r["message"], "n_fval": r["n_fval"],
                    "time_s": round(r["time_s"], 3)})
    return pd.DataFrame(out)


def read_starts(path: Path, objective: PetabObjective) -> list[dict]:
    frame = pd.read_csv(path)
    rows = []
    for _, r in frame.iterrows():
        values = {p: float(r[p]) for p in objective.x_ids}
        x = objective.scale(values) if all(np.isfinite(list(values.values()))) else np.full(len(objective.x_ids),
                                                                                             np.nan)
        rows.append({"start": int(r["start"]), "objective": float(r["objective"]), "x": list(x),
                     "exitflag": r["exitflag"], "message": "" if pd.isna(r["message"]) else str(r["message"]),
                     "n_fval": int(r["n_fval"]), "time_s": float(r["time_s"])})
    return rows


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


def fingerprint(problem_yaml, objective: PetabObjective, optimizer_name: str, seed: int) -> dict:
    """What must match for --resume to continue the same fit."""
    return {"problem": str(Path(problem_yaml).resolve()), "problem_sha256": problem_digest(problem_yaml), "seed": seed,
            "optimizer": optimizer_name, "parameters": objective.x_ids, "sbml_sha256": objective.sim.sbml_sha256}


def confidence(objective: PetabObjective, x_best) -> pd.DataFrame:
    """95% Wald intervals from the Fisher information: J'J of the residual sensitivities (normal noise), else
    the finite-difference Hessian of the NLL, clipped to the search range. Directions the data do not constrain
    (infinite standard error) and estimates within 1% of the range from a bound are not identifiable here."""
    import pypesto
    from pypesto.objective import FD
    steps = objective.fd_steps()
    if objective.least_squares:
        base = pypesto.Objective(res=objective.residuals)
        jac = FD(base, sres=True, delta_res=steps)(x_best, sensi_orders=(1,), mode="mode_res")
        info, method = jac.T @ jac, "FIM (J'J of finite-difference residual sensitivities)"
    else:
        base = pypesto.Objective(fun=objective.nll)
        info = FD(base, grad=True, hess=True, hess_via_fval=True, delta_fun=steps, delta_grad=steps)(
            x_best, sensi_orders=(2,))
        info, method = 0.5 * (info + info.T), "finite-difference Hessian of the NLL"
    sd = _standard_errors(info)
    values = objective.unscale(x_best)
    rows = []
    for i, (pid, scale) in enumerate(zip(objective.x_ids, objective.scales)):
        # a Wald interval is local: clipped to the search range; near a bound it is not a confidence statement
        lo = max(x_best[i] - Z95 * sd[i], objective.lb[i])
        hi = min(x_best[i] + Z95 * sd[i], objective.ub[i])
        back = {"lin": lambda v: v, "log": np.exp, "log10": lambda v: 10.0 ** v}[scale]
        near = min(x_best[i] - objective.lb[i], objective.ub[i] - x_best[i]) < 1e-2 * (objective.ub[i] - objective.lb[i])
        rows.append({"parameterId": pid, "scale": scale, "estimate": values[pid], "sd_on_scale": sd[i],
                     "ci95_low": float(back(lo)), "ci95_high": float(back(hi)),
                     "identifiable": bool(np.isfinite(sd[i]) and not near), "at_bound": bool(near), "method": method})
    return pd.DataFrame(rows)


def _standard_errors(info: np.ndarray) -> np.ndarray:
    """sqrt(diag(inverse)) of a symmetric information matrix; a parameter that loads on an (almost) zero
    eigenvalue is not identifiable: infinite standard error."""
    if not np.all(np.isfinite(info)):
        return np.full(len(info), np.inf)
    w, v = np.linalg.eigh(info)
    ok = w > 1e-10 * max(w.max(), 1e-300)
    cov = (v[:, ok] / w[ok]) @ v[:, ok].T
    sd = np.sqrt(np.clip(np.diag(cov), 0, None))
    weak = (np.abs(v[:, ~ok]) > 1e-3).any(axis=1)
    sd[weak] = np.inf
    return sd


def write_parameter_files(objective: PetabObjective, x_best, outdir: Path, source: str):
    """best.csv: fitted model parameters as a parameter table (the columns of data/parameters.csv, table
    units, linear scale); observable_parameters.csv: the fitted scale/offset/noise parameters."""
    from alk5_pysb.model.parameters import COLUMNS, default_table
    table = default_table().frame
    values = objective.unscale(x_best)
    low, high = objective.unscale(objective.lb), objective.unscale(objective.ub)
    model = [p for p in objective.x_ids if p in objective.sim.table_parameters]
    rows = []
    for pid in model:
        known = table.loc[pid] if pid in table.index else None
        rows.append({"name": pid, "value": values[pid], "unit": known["unit"] if known is not None else "",
                     "block": known["block"] if known is not None else "",
                     "compartment": known["compartment"] if known is not None else "",
                     "description": known["description"] if known is not None else "",
                     "evidence": "fitted", "cell_type": "", "source": source,
                     # until profiled, a fitted value is known only within the search range of its fit
                     "distribution": "loguniform" if low[pid] > 0 else "uniform",
                     "low": min(low[pid], values[pid]), "high": max(high[pid], values[pid]), "tied_to": "",
                     "range_reason": "the search range of the fit (profile-based 95% intervals: alk5 calibrate "
                                     "--profile, profile_intervals.csv)"})
    atomic_write(outdir / "best.csv", pd.DataFrame(rows, columns=list(COLUMNS)).to_csv(index=False,
                                                                                        float_format="%.8g"))
    others = [{"parameterId": p, "value": values[p], "scale": s} for p, s in zip(objective.x_ids, objective.scales)
              if p not in model]
    atomic_write(outdir / "observable_parameters.csv",
                 pd.DataFrame(others, columns=["parameterId", "value", "scale"]).to_csv(index=False,
                                                                                          float_format="%.8g"))


def write_figures(objective: PetabObjective, rows: list[dict], x_best, outdir: Path):
    """waterfall.png (pyPESTO) and fit_<observableId>.png: data and the model (a dense line) per condition."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pypesto
    import pypesto.visualize
    from pypesto.result import OptimizerResult
    result = pypesto.Result()
    for r in rows:
        result.optimize_result.append(OptimizerResult(id=str(r["start"]), x=np.asarray(r["x"]), fval=r["objective"],
                                                      n_fval=r["n_fval"], time=r["time_s"], message=r["message"],
                                                      exitflag=r["exitflag"]))
    finite = [r["objective"] for r in rows if np.isfinite(r["objective"])]
    ax = pypesto.visualize.waterfall(result, size=(6, 4), scale_y="log10" if finite and min(finite) > 0 else "lin")
    ax.figure.savefig(outdir / "waterfall.png", dpi=120, bbox_inches="tight")
    plt.close(ax.figure)

    values = objective.unscale(x_best)
    frames = objective.simulate(values, dense=241)
    for oid in sorted({r.observable for r in objective.rows}):
        conditions = sorted({r.condition for r in objective.rows if r.observable == oid})
        fig, axes = plt.subplots(1, len(conditions), figsize=(3.6 * len(conditions), 3.2), squeeze=False)
        for ax, cid in zip(axes[0], conditions):
            measured = [r for r in objective.rows if r.observable == oid and r.condition == cid]
            frame = frames[cid]
            (names, fn), _, _, _ = objective.formulas[oid]
            params = objective.model_params(values, objective.conditions[cid])
            line = [fn(*objective._scope(names, measured[0], values, row, params)) for _, row in frame.iterrows()]
            ax.plot(frame["time_min"], line, "-", color="C0", label="model")
            ax.plot([r.time for r in measured], [r.value for r in measured], "o", color="C3", label="data")
            ax.set_title(cid, fontsize=9)
            ax.set_xlabel("time after ligand (min)")
        axes[0][0].set_ylabel(oid)
        axes[0][0].legend(fontsize=8)
        fig.tight_layout()
        fig.savefig(outdir / f"fit_{oid}.png", dpi=120)
        plt.close(fig)


# -- the command ---------------------------------------------------------------------------------
def _write_starts(path: Path, rows, objective):
    atomic_write(path, starts_table(rows, objective).to_csv(index=False, float_format="%.10g"))


def _run_starts(problem, opt, todo, points, workers, on_done):
    """Run the starts in ``todo`` (serially or on ``workers`` processes), calling ``on_done(row)`` as each
    finishes; Ctrl-C stops the pool and keeps what finished."""
    from tqdm import tqdm
    bar = tqdm(total=len(todo), desc="starts", unit="start", disable=None)
    try:
        if workers <= 1 or len(todo) <= 1:
            for i in todo:
                on_done(run_start(problem, opt, i, points[i]))
                bar.update()
            return
        import multiprocessing
        import os
        import pickle
        from concurrent.futures import ProcessPoolExecutor, as_completed

        from alk5_pysb.simulation.engine import _init_process, _stop_pool
        blob = pickle.dumps((problem, opt))
        pool = ProcessPoolExecutor(max_workers=min(workers, len(todo)), mp_context=multiprocessing.get_context("spawn"),
                                   initializer=_init_process, initargs=(blob, os.getpid()))
        try:
            futures = [pool.submit(_worker_start, blob, i, points[i]) for i in todo]
            for future in as_completed(futures):
                on_done(future.result())
                bar.update()
        except BaseException:
            _stop_pool(pool)
            raise
        pool.shutdown(wait=True)
    finally:
        bar.close()


def calibrate(problem_yaml, sim, outdir, n_starts: int = 50, optimizer_name: str = "fides", workers: int = 1,
              seed: int = 0, resume: bool = False, max_iter: int = 200, command: str = "alk5 calibrate",
              label: str | None = None) -> dict:
    """Fit a PEtab problem with ``n_starts`` local optimisations; write the outputs to ``outdir`` and return
    the summary (see the module docstring and README)."""
    if n_starts < 1:
        raise UserInputError(f"--starts must be >= 1, got {n_starts}")
    if workers < 1:
        raise UserInputError(f"--workers must be >= 1, got {workers}")
    if max_iter < 1:
        raise UserInputError(f"--max-iter must be >= 1, got {max_iter}")
    t0 = time.perf_counter()
    petab_problem = load_problem(problem_yaml)
    objective = PetabObjective(petab_problem, sim)
    opt = optimizer(optimizer_name, objective, max_iter)
    problem = objective.pypesto_problem()
    outdir = make_folder(outdir, "calibration results")
    starts_path, record_path = outdir / "starts.csv", outdir / "fit.json"
    record = {**fingerprint(problem_yaml, objective, optimizer_name, seed), "max_iter": max_iter}
    rows = []
    if resume and starts_path.is_file():
        previous = json.loads(record_path.read_text(encoding="utf-8")) if record_path.is_file() else {}
        changed = [k for k in record if previous.get(k) != record[k]]
        if changed:
            raise UserInputError(f"--resume: {outdir} holds a different fit ({', '.join(changed)} changed); use "
                                 "another -o folder")
        rows = read_starts(starts_path, objective)     # all of them, also beyond a smaller --starts
    elif starts_path.is_file():
        raise UserInputError(f"{starts_path} exists: continue that fit with --resume, or use another -o folder")
    atomic_write(record_path, json.dumps(record, indent=1) + "\n")
    points = startpoints(objective, n_starts, seed)
    done = {r["start"] for r in rows}
    todo = [i for i in range(n_starts) if i not in done]
    if done:
        print(f"resuming: {len(done)} of {n_starts} starts already finished")

    def on_done(row):
        rows.append(row)
        _write_starts(starts_path, rows, objective)       # a stopped fit keeps every finished start

    try:
        _run_starts(problem, opt, todo, points, workers, on_done)
    except KeyboardInterrupt:
        print(f"\n{len(rows)} finished start(s) kept in {starts_path}: rerun with --resume", flush=True)
        raise
    return finish(objective, rows, outdir, optimizer_name, time.perf_counter() - t0,
                  f"{command} {label or problem_yaml} (best of {len(rows)} starts)")


def finish(objective: PetabObjective, rows: list[dict], outdir: Path, optimizer_name: str, wall_s: float,
           source: str) -> dict:
    finite = [r for r in rows if np.isfinite(r["objective"])]
    if not finite:
        raise SimulationError(f"no start reached a finite objective ({len(rows)} starts): see {outdir / 'starts.csv'}")
    best = min(finite, key=lambda r: r["objective"])
    x_best = np.asarray(best["x"], dtype=float)
    write_parameter_files(objective, x_best, outdir, source)
    ci = confidence(objective, x_best)
    atomic_write(outdir / "confidence.csv", ci.to_csv(index=False, float_format="%.6g"))
    write_figures(objective, rows, x_best, outdir)
    nll, k, n = best["objective"], len(objective.x_ids), len(objective.rows)
    summary = {"objective_nll": nll, "n_data": n, "n_estimated": k, "AIC": 2 * k + 2 * nll,
               "BIC": k * math.log(n) + 2 * nll, "optimizer": optimizer_name, "starts": len(rows),
               "starts_finite": len(finite),
               "starts_converged": sum(r["objective"] - nll < AT_BEST for r in finite),
               "converged_definition": f"objective within {AT_BEST} of the best", "best_start": best["start"],
               "wall_time_s": round(wall_s, 2), "gradient": "central finite differences (pypesto.objective.FD)",
               "preequilibration": "alk5 Simulator: resting state (no ligand) per parameter set",
               "network": objective.sim.network}
    atomic_write(outdir / "summary.json", json.dumps(summary, indent=1) + "\n")
    return summary
