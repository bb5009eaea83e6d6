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
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from alk5_pysb.calibration.likelihood import SCALES, nll_terms, transform
from alk5_pysb.calibration.problem import DOSE_COLUMNS, EXPERIMENT_COLUMNS
from alk5_pysb.errors import SimulationError, UserInputError
from alk5_pysb.simulation.experiment import Experiment


FD_STEP = 1e-3          # central-difference step: 1e-3 on log scales (0.23%), relative 1e-3 on lin scale


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

    def _data_scales_noise(self):
        return (np.array([r.value for r in self.rows]), [self.formulas[r.observable][2] for r in self.rows],
                [self.formulas[r.observable][3] for r in self.rows])

    # PEtab likelihood -----------------------------------------------------------------------
    def nll(self, x) -> float:
        """Negative log-likelihood, PEtab convention (constant terms included); inf when the solver fails."""
        try:
            model, sigma = self.predictions(x)
        except SimulationError:
            return float("inf")
        data, scales, noise = self._data_scales_noise()
        total = float(np.sum(nll_terms(data, model, sigma, scales, noise)))
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
        data, scales, _ = self._data_scales_noise()
        with np.errstate(divide="ignore", invalid="ignore"):
            res = (transform(data, scales) - transform(model, scales)) / sigma
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
