"""One experiment, one shape.

An :class:`Experiment` says what is done to the cells and what is read out: the ligand and its dose,
an ALK5 inhibitor (a compound carrying all its effects) and when it is present, a ligand washout or a
ligand trap, parameter values, readouts and metrics, and the simulated window. The CLI, experiment
files (TOML), scans (each condition is the experiment with some fields varied), validation, figures,
SED-ML and PEtab conditions all build one; :meth:`Simulator.run` executes it and :func:`measure`
reads its metrics.

Times are minutes relative to ligand addition (t = 0; pre-treatment is negative time); ligand doses
are pM (medium), inhibitor and trap doses nM.
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field

import numpy as np

from alk5_pysb.errors import UserInputError
from alk5_pysb.model.names import ALL_LIGANDS, LIGANDS
from alk5_pysb.simulation.metrics import horizon, time_grid

#: scan axes that change the experiment rather than a model parameter: axis -> (field, unit)
AXES = {"ligand_dose": ("dose_pM", "pM"), "inhibitor_dose": ("inhibitor_nM", "nM"), "pretreat": ("pretreat_min", "min"),
        "inhibitor_at": ("inhibitor_at_min", "min"), "inhibitor_washout": ("inhibitor_washout_min", "min"),
        "washout": ("washout_min", "min"), "trap_dose": ("trap_nM", "nM"), "compound": ("compound", "name")}
#: axes that change the schedule (name -> unit), and axes whose values are names
PROTOCOL_AXES = {axis: unit for axis, (_, unit) in AXES.items() if unit != "name"}
CATEGORICAL_AXES = {"compound": "library compound (or one given to the experiment)"}
#: columns of a conditions table that label a condition and change nothing
LABEL_COLUMNS = {"condition_id", "cell", "member"}
#: a scan column ``fold:NAME`` multiplies parameter NAME by its value in that condition (ensemble members)
FOLD_PREFIX = "fold:"
#: when an inhibitor is present, as one word (CLI --protocol): pretreat:60min, co, post:45min, washout:T
SCHEDULES = "pretreat:60min, co, post:45min, washout:T (pre-treated 60 min, inhibitor removed at t = T)"


def feeding(t_end_min: float, every_min: float, exposure_min: float | None = None) -> dict:
    """Experiment fields for cultures fed with ligand: the medium (and the ligand) renewed every ``every_min`` up to
    ``exposure_min`` (default: the whole run; a multiple of ``every_min`` when shorter), each renewal a washout
    1 min before the next addition; the medium change that ends a shorter exposure leaves ligand-free medium."""
    exposure = t_end_min if exposure_min is None else exposure_min
    pulses = int((exposure - 1e-9) // every_min) + 1
    if pulses == 1:
        return {} if exposure >= t_end_min else {"washout_min": exposure}
    return {"pulses": pulses, "pulse_every_min": every_min, "washout_min": every_min - 1.0}


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


@dataclass
class Experiment:
    """One experiment (see the module docstring). ``compound=None`` with an inhibitor dose uses the
    model's default inhibitor (SB-431542, ``Kd_inhibitor``); ``params`` are absolute values in the
    parameter table's units; ``readouts=None`` means every standard readout."""
    ligand: str = "TGFB1"
    dose_pM: float = 100.0
    t_end_min: float | None = None             # default: what the metrics need, else 24 h
    compound: object = None                    # pharmacology.compounds.Compound
    inhibitor_nM: float = 0.0
    pretreat_min: float = 0.0                  # inhibitor added this long before the ligand
    inhibitor_at_min: float | None = None      # inhibitor added after the ligand (post-treatment)
    inhibitor_washout_min: float | None = None
    washout_min: float | None = None           # medium change: ligand (and trap) removed
    trap_nM: float = 0.0                       # ligand trap added with the ligand
    pulses: int = 1                            # ligand added this many times, every pulse_every_min
    pulse_every_min: float | None = None       # (each addition followed by its washout, if any)
    params: dict = field(default_factory=dict)
    readouts: tuple | None = None
    metrics: tuple = ()
    n_points: int = 241
    times: tuple | None = None                 # explicit output times (min); overrides n_points
    name: str = ""
    compounds: dict = field(default_factory=dict)   # name -> Compound a scan's compound axis may name
    folds: dict = field(default_factory=dict)       # NAME -> factor on whatever value NAME has (ensemble member)

    def __post_init__(self):
        if self.t_end_min is None:
            self.t_end_min = horizon(self.metrics) if self.metrics else 1440.0
        self.params = dict(self.params or {})
        self.folds = dict(self.folds or {})
        if self.readouts is not None:
            self.readouts = tuple(self.readouts)
        self.metrics = tuple(self.metrics or ())
        if self.times is not None:
            self.times = tuple(float(t) for t in self.times)

    # -- checks ---------------------------------------------------------------------------------
    def check(self):
        if self.ligand not in ALL_LIGANDS:
            raise UserInputError(f"unknown ligand {self.ligand!r}: valid ligands are {', '.join(ALL_LIGANDS)}")
        for name in ("dose_pM", "inhibitor_nM", "pretreat_min", "trap_nM"):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or not np.isfinite(value) or value < 0:
                raise UserInputError(f"{name} must be a finite number >= 0, got {value!r}")
        if not np.isfinite(self.t_end_min) or self.t_end_min <= 0:
            raise UserInputError(f"t_end must be > 0 min, got {self.t_end_min!r}")
        for name in ("inhibitor_at_min", "washout_min", "inhibitor_washout_min"):
            value = getattr(self, name)
            if value is not None and not (0 <= value <= self.t_end_min):
                raise UserInputError(f"{name.removesuffix('_min')} at {value} min lies outside the simulated window "
                                     f"0-{self.t_end_min:g} min")
        if self.pretreat_min > 0 and self.inhibitor_nM == 0:
            raise UserInputError("pretreatment needs an inhibitor dose (--inhibitor-dose)")
        if self.inhibitor_at_min is not None and self.pretreat_min > 0:
            raise UserInputError("give either a pretreatment time or a post-treatment time, not both")
        if self.n_points < 2:
            raise UserInputError("n_points must be at least 2")
        if not isinstance(self.pulses, int) or isinstance(self.pulses, bool) or not 1 <= self.pulses <= 1000:
            raise UserInputError(f"pulses must be a whole number from 1 to 1000, got {self.pulses!r}")
        if self.washout_min is not None and self.washout_min <= 0:
            raise UserInputError(f"washout must be > 0 min after the ligand (a zero-length pulse stimulates nothing), "
                                 f"got {self.washout_min:g} min")
        if self.pulses > 1:
            every = self.pulse_every_min
            if every is None or not np.isfinite(every) or every <= 0:
                raise UserInputError(f"{self.pulses} pulses need pulse_every > 0 min, got {every!r}")
            if self.washout_min is not None and self.washout_min >= every:
                raise UserInputError(f"each pulse is washed out {self.washout_min:g} min after it is added: "
                                     f"pulse_every ({every:g} min) must be longer")
            last = (self.pulses - 1) * every
            if last >= self.t_end_min:
                raise UserInputError(f"pulse {self.pulses} at {last:g} min lies outside the simulated window "
                                     f"0-{self.t_end_min:g} min: fewer pulses or a later t_end")
        return self

    def ligand_times(self) -> list[float]:
        """Minutes at which the ligand is added (one step, or each pulse)."""
        return [k * (self.pulse_every_min or 0.0) for k in range(self.pulses)]

    def washout_times(self) -> list[float]:
        """Minutes of the medium changes: after each pulse, or the one washout."""
        if self.washout_min is None:
            return []
        return [t + self.washout_min for t in self.ligand_times() if t + self.washout_min <= self.t_end_min]

    @property
    def schedule_text(self) -> str:
        """The inhibitor schedule as one word (the inverse of :func:`schedule`)."""
        if self.inhibitor_washout_min is not None:
            return f"washout:{self.inhibitor_washout_min:g}min"
        if self.pretreat_min > 0:
            return f"pretreat:{self.pretreat_min:g}min"
        return f"post:{self.inhibitor_at_min:g}min" if self.inhibitor_at_min else "co"

    # -- what the simulator needs ------------------------------------------------------------------
    @property
    def inhibitor_time_min(self) -> float | None:
        """When the inhibitor is added (None: no inhibitor)."""
        if self.inhibitor_nM <= 0:
            return None
        return self.inhibitor_at_min if self.inhibitor_at_min is not None else -self.pretreat_min

    @property
    def tbrii_activity(self) -> float:
        """TbetaRII kinase activity left while the drug is present (the compound's off-target effect)."""
        if self.compound is None or self.inhibitor_nM <= 0:
            return 1.0
        return float(self.compound.tbrii_activity(self.inhibitor_nM))

    def tbrii_activity_with(self, residual_fold: float = 1.0) -> float:
        """TbetaRII activity left when an ensemble member scales the shared residual factor (Kd_residual_factor
        fold), which converts the TbetaRII potency as it converts the ALK5 one."""
        if residual_fold == 1.0 or self.compound is None or self.inhibitor_nM <= 0 \
                or not math.isfinite(self.compound.tbrii_ic50_nM):
            return self.tbrii_activity
        return 1.0 / (1.0 + self.inhibitor_nM / (self.compound.kd_tbrii_cell_nM * residual_fold))

    def alk1_activity_with(self, residual_fold: float = 1.0) -> float:
        """ALK1 kinase activity left while the drug is present (endothelial network; 1 for compounds without an
        ALK1 potency)."""
        if self.compound is None or self.inhibitor_nM <= 0:
            return 1.0
        return float(self.compound.alk1_activity(self.inhibitor_nM, residual_fold))

    def model_params(self) -> dict:
        """Parameter values of this experiment: the compound's affinity, then explicit ``params``."""
        values = dict(self.compound.model_params()) if self.compound is not None else {}
        values.update(self.params)
        return values

    # -- metrics ------------------------------------------------------------------------------------
    def columns(self) -> list[str]:
        return [f"{r}@{m.text}" for r in self.readouts or () for m in self.metrics]

    def for_metrics(self, output_points: int | None = None) -> Experiment:
        """The experiment on the window and output grid its metrics need (1-min grid over 8 h)."""
        t_end = horizon(self.metrics, self.t_end_min if self.t_end_min else 0.0)
        times = np.linspace(0.0, t_end, output_points) if output_points else time_grid(t_end, self.metrics)
        return dataclasses.replace(self, t_end_min=t_end, times=tuple(times))

    # -- scans: a condition is the experiment with some fields varied ---------------------------------
    def vary(self, row: dict) -> Experiment:
        """This experiment under one condition of a scan: ``row`` maps axes (``ligand_dose``, ``pretreat``,
        ``compound``, ... see AXES) or parameter names to values; empty cells keep the base value.
        Inhibitor timing only applies when the condition has an inhibitor dose."""
        changes, params, folds = {}, dict(self.params), dict(self.folds)
        for axis, value in row.items():
            if axis in LABEL_COLUMNS or _missing(value):
                continue
            if axis.startswith(FOLD_PREFIX):
                folds[axis[len(FOLD_PREFIX):]] = float(value)
            elif axis == "compound":
                changes["compound"] = _compound(value, self.compounds)
            elif axis in AXES:
                changes[AXES[axis][0]] = float(value)
            else:
                params[axis] = float(value)
        varied = dataclasses.replace(self, params=params, folds=folds, **changes)
        if varied.inhibitor_nM <= 0:
            varied = dataclasses.replace(varied, pretreat_min=0.0, inhibitor_at_min=None, inhibitor_washout_min=None)
        elif varied.pretreat_min > 0:
            varied = dataclasses.replace(varied, inhibitor_at_min=None)
        return varied

    def fingerprint(self) -> dict:
        """What must match for a resumed scan to continue the same experiment."""
        compound = None if self.compound is None else {
            "name": self.compound.name, **{k: v for k, v in vars(self.compound).items() if k != "name"}}
        return {"ligand": self.ligand, "dose_pM": self.dose_pM, "t_end_min": self.t_end_min, "compound": compound,
                "inhibitor_nM": self.inhibitor_nM, "pretreat_min": self.pretreat_min,
                "inhibitor_at_min": self.inhibitor_at_min, "inhibitor_washout_min": self.inhibitor_washout_min,
                "washout_min": self.washout_min, "trap_nM": self.trap_nM, "pulses": self.pulses,
                "pulse_every_min": self.pulse_every_min, "params": self.params, "folds": self.folds, "readouts": list(self.readouts or ()), "metrics": [m.text for m in self.metrics],
                "times": None if self.times is None else [len(self.times), self.times[0], self.times[-1]]}

    # -- other tools: the same experiment on the resting-state SBML (SED-ML, PEtab) ----------------------
    def sbml_changes(self) -> dict[str, float]:
        """Values of ``alk5_rest.sbml`` parameters that set up this experiment there (dose events at
        ``ligand_time_min`` and ``inhibitor_time_min``; the model starts at rest, so its time is this
        experiment's time + ``pretreat_min``; a ligand trap is added with the ligand as ``Trap_0`` nM).
        Schedules the rest model has no event for (washouts) are refused, and so is a compound with a TbetaRII off-target effect added after the start
        (``TBRII_kinase_activity`` is a constant there, not set by the inhibitor event)."""
        if self.ligand not in LIGANDS:
            raise UserInputError(f"the resting-state SBML carries the TGF-beta-family ligands only ({', '.join(LIGANDS)}): "
                                 f"{self.ligand} needs the simulator on its network")
        if self.washout_min is not None or self.inhibitor_washout_min is not None or self.pulses > 1:
            raise UserInputError("the resting-state SBML has no washout or repeated-dose events: this experiment "
                                 "needs the simulator (alk5 simulate)")
        changes = {f"dose_{lig}_pM": (float(self.dose_pM) if lig == self.ligand else 0.0) for lig in LIGANDS}
        changes["ligand_time_min"] = float(self.pretreat_min)         # the rest model starts at t = 0
        changes["Inhibitor_0"] = float(self.inhibitor_nM)
        changes["Trap_0"] = float(self.trap_nM)                       # added by the ligand event
        if self.inhibitor_nM > 0:
            changes["inhibitor_time_min"] = float(self.pretreat_min + self.inhibitor_time_min)
        if self.tbrii_activity != 1.0:
            if changes["inhibitor_time_min"] > 0:
                raise UserInputError("the resting-state SBML holds TBRII_kinase_activity constant: a compound with a "
                                     "TbetaRII effect must be present from the start there (pre- or co-treatment)")
            changes["TBRII_kinase_activity"] = self.tbrii_activity
        changes.update(self.model_params())
        return changes

    def describe(self) -> str:
        """One line for messages and figure titles."""
        from alk5_pysb.io.units import format_concentration
        text = f"{self.ligand} {format_concentration(self.dose_pM)}"
        if self.inhibitor_nM > 0:
            drug = self.compound.name if self.compound is not None else "inhibitor"
            when = (f"pre-treated {self.pretreat_min:g} min" if self.pretreat_min > 0 else
                    f"added at {self.inhibitor_at_min:g} min" if self.inhibitor_at_min else "co-treated")
            text += f", {drug} {format_concentration(self.inhibitor_nM * 1e3)} {when}"
        if self.trap_nM > 0:
            text += f", trap {self.trap_nM:g} nM"
        if self.pulses > 1:
            text += f", {self.pulses} pulses every {self.pulse_every_min:g} min"
        if self.washout_min is not None:
            text += f", washout at {self.washout_min:g} min" + (" after each" if self.pulses > 1 else "")
        if self.params:
            text += ", " + ", ".join(f"{k}={v:g}" for k, v in self.params.items())
        return text

    def __repr__(self):      # short: error messages keep the solver's reason readable
        return f"Experiment({self.describe()}, 0-{self.t_end_min:g} min)"


def _compound(name, compounds: dict):
    """A compound of the scan (given to the experiment) or of the library; cached per experiment."""
    if name not in compounds:
        from alk5_pysb.pharmacology.compounds import get_compound
        compounds[name] = get_compound(str(name))
    return compounds[name]


def schedule(text: str) -> dict:
    """An inhibitor schedule word (CLI --protocol) as Experiment fields: ``pretreat:60min`` -> pre-treated,
    ``co`` -> added with the ligand, ``post:45min`` -> added at 45 min, ``washout:T`` -> pre-treated
    60 min and removed at T."""
    from alk5_pysb.io.units import parse_duration
    kind, _, arg = str(text).partition(":")
    if kind == "co" and not arg:
        return {"pretreat_min": 0.0, "inhibitor_at_min": 0.0}
    if kind in ("pretreat", "post", "washout") and arg:
        t = parse_duration(arg, what=f"protocol {text!r} time")
        if kind == "pretreat":
            if t <= 0:
                raise UserInputError(f"protocol {text!r}: pre-treatment time must be > 0")
            return {"pretreat_min": t}
        if kind == "post":
            return {"inhibitor_at_min": t}
        return {"pretreat_min": 60.0, "inhibitor_washout_min": t}
    raise UserInputError(f"unknown protocol {text!r}: valid protocols are {SCHEDULES}")


def measure(sim, experiment: Experiment) -> dict[str, float]:
    """Run ``experiment`` (on the grid its metrics need) and evaluate every readout@metric."""
    frame = sim.run(experiment)
    frame = frame[frame["time_min"] >= 0]
    return {f"{r}@{m.text}": m.evaluate(frame, r) for r in experiment.readouts for m in experiment.metrics}
