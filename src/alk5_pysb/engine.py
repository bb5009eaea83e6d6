"""The scan engine: many conditions on one compiled model, on one core, all local cores, or Dask.

A scan is a table of conditions (one row each: condition_id + axis values). It is cut into
fixed chunks; each chunk is simulated by a worker that holds the compiled model (shipped once as
RoadRunner's saved state, never recompiled) and written to ``<out>/chunks/chunk-NNNNNN.parquet``
atomically. ``resume`` skips chunks already on disk, so an interrupted scan ends with every
condition exactly once. A condition whose integration fails is recorded with its error.

Executors: ``serial`` (in-process), ``processes`` (concurrent.futures, all cores by default) and
``dask`` (a distributed LocalCluster, or a running cluster given by its scheduler address).
"""
from __future__ import annotations

import hashlib
import json
import math
import os
import pickle
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from tqdm import tqdm

from .files import atomic_path
from .metrics import Metric, horizon, time_grid
from .simulate import Protocol, SimulationError, Simulator
from .units import UserInputError

#: axes that change the protocol rather than a model parameter (name -> unit)
PROTOCOL_AXES = {"ligand_dose": "pM", "inhibitor_dose": "nM", "pretreat": "min", "trap_dose": "nM",
                 "inhibitor_at": "min", "inhibitor_washout": "min", "washout": "min"}
#: axes whose values are names, not numbers
CATEGORICAL_AXES = {"compound": "library compound (or one given to the experiment)"}
EXECUTORS = ("serial", "processes", "dask")
LABEL_COLUMNS = {"condition_id", "cell"}   # identify a condition, change nothing
SCAN_RECORD = "scan.json"


def _given(row: dict, key: str, default=None):
    """A row value, or ``default`` when the column is absent or empty (NaN) for this condition."""
    value = row.get(key, default)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return default
    return value


@dataclass
class Experiment:
    """What every condition shares: ligand, base doses, compound, metrics."""
    readouts: list[str]
    metrics: list[Metric]
    ligand: str = "TGFB1"
    ligand_dose_pM: float = 100.0
    compound: object = None               # compounds.Compound or None (model's default inhibitor)
    compounds: dict = field(default_factory=dict)   # name -> Compound for a ``compound`` column (else library)
    pretreat_min: float = 0.0
    inhibitor_at_min: float | None = None
    t_end_min: float | None = None
    output_points: int | None = None      # a fixed uniform output grid (benchmarks); default: metric-driven
    base_params: dict = field(default_factory=dict)

    def columns(self) -> list[str]:
        return [f"{r}@{m.text}" for r in self.readouts for m in self.metrics]

    def compound_for(self, row: dict):
        name = _given(row, "compound")
        if name is None:
            return self.compound
        if name not in self.compounds:
            from .compounds import get_compound
            self.compounds[name] = get_compound(str(name))
        return self.compounds[name]

    def protocol(self, row: dict) -> Protocol:
        compound = self.compound_for(row)
        dose = float(_given(row, "inhibitor_dose", 0.0))
        pretreat = float(_given(row, "pretreat", self.pretreat_min)) if dose > 0 else 0.0
        t_end = horizon(self.metrics, self.t_end_min or 0.0)
        times = np.linspace(0.0, t_end, self.output_points) if self.output_points else time_grid(t_end, self.metrics)
        return Protocol(
            ligand=self.ligand, dose_pM=float(_given(row, "ligand_dose", self.ligand_dose_pM)), t_end_min=t_end,
            times=tuple(times), inhibitor_nM=dose, pretreat_min=pretreat,
            inhibitor_at_min=(_given(row, "inhibitor_at", self.inhibitor_at_min) if dose > 0 and not pretreat else None),
            inhibitor_washout_min=_given(row, "inhibitor_washout") if dose > 0 else None,
            washout_min=_given(row, "washout"), trap_nM=float(_given(row, "trap_dose", 0.0)),
            inhibitor_tbrii_activity=compound.tbrii_activity(dose) if compound is not None else 1.0)

    def params(self, row: dict) -> dict:
        params = dict(self.base_params)
        compound = self.compound_for(row)
        if compound is not None:
            params.update(compound.model_params())
        for name, value in row.items():
            if name not in PROTOCOL_AXES and name not in CATEGORICAL_AXES and name not in LABEL_COLUMNS:
                params[name] = float(value)
        return params

    def run_condition(self, sim: Simulator, row: dict) -> dict:
        frame = sim.run(self.protocol(row), readouts=self.readouts, params=self.params(row))
        frame = frame[frame["time_min"] >= 0]
        return {f"{r}@{m.text}": m.evaluate(frame, r) for r in self.readouts for m in self.metrics}

    def fingerprint(self) -> dict:
        """What must match for a resumed scan to continue the same experiment."""
        return {"readouts": self.readouts, "metrics": [m.text for m in self.metrics], "ligand": self.ligand,
                "ligand_dose_pM": self.ligand_dose_pM, "pretreat_min": self.pretreat_min,
                "compound": getattr(self.compound, "name", None), "t_end_min": self.t_end_min,
                "output_points": self.output_points, "base_params": self.base_params}


def run_chunk(sim: Simulator, experiment: Experiment, rows: list[dict]) -> pd.DataFrame:
    out = []
    for row in rows:
        result = dict(row)
        try:
            result.update(experiment.run_condition(sim, row))
            result["error"] = ""
        except (SimulationError, UserInputError, RuntimeError, ValueError, KeyError) as err:
            result.update({c: math.nan for c in experiment.columns()})
            result["error"] = str(err).splitlines()[0][:500]
        out.append(result)
    return pd.DataFrame(out)


# -- workers: one unpickled simulator per process ---------------------------------------------
_WORKER_SIM: dict = {}


def _worker_sim(blob: bytes) -> Simulator:
    key = hash(blob)
    if key not in _WORKER_SIM:
        _WORKER_SIM.clear()
        _WORKER_SIM[key] = pickle.loads(blob)
    return _WORKER_SIM[key]


def _init_process(blob: bytes):
    _worker_sim(blob)


def _process_task(blob: bytes, experiment: Experiment, index: int, rows: list[dict]):
    return index, run_chunk(_worker_sim(blob), experiment, rows)


def _dask_task(blob: bytes, experiment: Experiment, index: int, rows: list[dict]):
    return index, run_chunk(_worker_sim(blob), experiment, rows)


# -- the engine --------------------------------------------------------------------------------
def chunk_path(out: Path, index: int) -> Path:
    return out / "chunks" / f"chunk-{index:06d}.parquet"


def default_chunk_size(n_conditions: int, workers: int) -> int:
    """At least four chunks per worker (load balance), at most 50 conditions per file: a few seconds
    of work, so little is lost on a crash, and the parent's hand-off (pickling, Parquet writes) stays
    small next to 10-50 ms conditions (chunks of 20 cost 8% efficiency on 2 cores, 50 cost 0)."""
    return max(1, min(50, math.ceil(n_conditions / (4 * max(1, workers)))))


def _scan_record(sim: Simulator, experiment: Experiment, conditions: pd.DataFrame, chunk_size: int) -> dict:
    digest = hashlib.sha256(conditions.to_csv(index=False, float_format="%.12g").encode())
    digest.update(json.dumps(experiment.fingerprint(), sort_keys=True, default=str).encode())
    digest.update(",".join(sim.species).encode())          # the network (full or lean)
    return {"conditions": len(conditions), "chunk_size": chunk_size, "species": len(sim.species),
            "sha256": digest.hexdigest()}


def _check_resumable(out: Path, record: dict, resume: bool) -> int:
    """The chunk size to use; refuses to mix chunks of a different scan into this one."""
    existing = sorted((out / "chunks").glob("chunk-*.parquet"))
    if existing and not resume:
        raise UserInputError(f"{out} already holds {len(existing)} result chunks: use --resume to continue "
                             "that scan or choose another output folder")
    path = out / SCAN_RECORD
    if resume and path.is_file():
        saved = json.loads(path.read_text())
        if saved.get("sha256") != record["sha256"]:
            raise UserInputError(f"cannot resume in {out}: it holds a different scan (other conditions, readouts, "
                                 "metrics, settings or network); choose another output folder or start again with --force")
        return int(saved["chunk_size"])
    if existing:
        raise UserInputError(f"cannot resume in {out}: its {SCAN_RECORD} is missing, so its chunks cannot be "
                             "matched to conditions")
    return record["chunk_size"]


def run_scan(sim: Simulator, experiment: Experiment, conditions: pd.DataFrame, out, executor: str = "serial",
             workers: int | None = None, scheduler: str | None = None, chunk_size: int | None = None,
             resume: bool = False, progress: bool = True) -> pd.DataFrame:
    """Run every condition; chunks stream to ``out/chunks``; returns all results (also ``out/results.parquet``).

    ``chunk_size=None`` picks one from the scan size and workers; a resumed scan keeps the chunk size it
    started with (recorded in ``out/scan.json`` with a hash of the conditions and the experiment)."""
    if executor not in EXECUTORS:
        raise UserInputError(f"unknown executor {executor!r}: valid executors are {', '.join(EXECUTORS)}")
    if workers is not None and workers < 1:
        raise UserInputError(f"--workers must be >= 1, got {workers}")
    sim.check_ligand(experiment.ligand)       # before any work
    out = Path(out)
    (out / "chunks").mkdir(parents=True, exist_ok=True)
    workers = workers or os.cpu_count() or 1
    record = _scan_record(sim, experiment, conditions, chunk_size or default_chunk_size(len(conditions), workers))
    record["chunk_size"] = chunk_size = _check_resumable(out, record, resume)
    with atomic_path(out / SCAN_RECORD) as tmp:
        tmp.write_text(json.dumps(record, indent=1) + "\n")
    records = conditions.to_dict("records")
    chunks = [records[i:i + chunk_size] for i in range(0, len(records), chunk_size)]
    todo = [i for i in range(len(chunks)) if not chunk_path(out, i).exists()]
    bar = tqdm(total=len(records), initial=len(records) - sum(len(chunks[i]) for i in todo), unit="cond",
               disable=None if progress else True, desc="scan")

    def store(index, frame):
        with atomic_path(chunk_path(out, index)) as tmp:
            frame.to_parquet(tmp, index=False)
        bar.update(len(frame))

    try:
        if executor == "serial":
            for i in todo:
                store(i, run_chunk(sim, experiment, chunks[i]))
        elif executor == "processes":
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor, as_completed
            blob = pickle.dumps(sim)
            with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                                     initializer=_init_process, initargs=(blob,)) as pool:
                futures = [pool.submit(_process_task, blob, experiment, i, chunks[i]) for i in todo]
                for future in as_completed(futures):
                    store(*future.result())
        else:
            from distributed import Client, LocalCluster, as_completed
            cluster = None
            if scheduler:
                client = Client(scheduler)
            else:
                cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                       dashboard_address=None)
                client = Client(cluster)
            try:
                blob = client.scatter(pickle.dumps(sim), broadcast=True)
                futures = [client.submit(_dask_task, blob, experiment, i, chunks[i], pure=False) for i in todo]
                for future in as_completed(futures):
                    store(*future.result())
            finally:
                client.close()
                if cluster is not None:
                    cluster.close()
    finally:
        bar.close()
    return collect(out)


def collect(out) -> pd.DataFrame:
    """All chunks of a scan folder, ordered by condition, written to results.parquet."""
    out = Path(out)
    files = sorted((out / "chunks").glob("chunk-*.parquet"))
    if not files:
        return pd.DataFrame()
    frame = pd.concat([pd.read_parquet(f) for f in files], ignore_index=True).sort_values("condition_id")
    frame = frame.reset_index(drop=True)
    with atomic_path(out / "results.parquet") as tmp:
        frame.to_parquet(tmp, index=False)
    return frame
