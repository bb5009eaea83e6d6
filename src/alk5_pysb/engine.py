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
                 "inhibitor_at": "min", "washout": "min"}
EXECUTORS = ("serial", "processes", "dask")
LABEL_COLUMNS = {"condition_id", "cell"}   # identify a condition, change nothing


@dataclass
class Experiment:
    """What every condition shares: ligand, base doses, compound, metrics."""
    readouts: list[str]
    metrics: list[Metric]
    ligand: str = "TGFB1"
    ligand_dose_pM: float = 100.0
    compound: object = None               # compounds.Compound or None (model's default inhibitor)
    pretreat_min: float = 0.0
    inhibitor_at_min: float | None = None
    t_end_min: float | None = None
    output_points: int | None = None      # a fixed uniform output grid (benchmarks); default: metric-driven
    base_params: dict = field(default_factory=dict)

    def columns(self) -> list[str]:
        return [f"{r}@{m.text}" for r in self.readouts for m in self.metrics]

    def run_condition(self, sim: Simulator, row: dict) -> dict:
        params = dict(self.base_params)
        if self.compound is not None:
            params.update(self.compound.model_params())
        for name, value in row.items():
            if name not in PROTOCOL_AXES and name not in LABEL_COLUMNS:
                params[name] = float(value)
        dose = float(row.get("inhibitor_dose", 0.0))
        pretreat = float(row.get("pretreat", self.pretreat_min)) if dose > 0 else 0.0
        t_end = horizon(self.metrics, self.t_end_min or 0.0)
        times = np.linspace(0.0, t_end, self.output_points) if self.output_points else time_grid(t_end, self.metrics)
        protocol = Protocol(
            ligand=self.ligand, dose_pM=float(row.get("ligand_dose", self.ligand_dose_pM)), t_end_min=t_end,
            times=tuple(times), inhibitor_nM=dose, pretreat_min=pretreat,
            inhibitor_at_min=(row.get("inhibitor_at", self.inhibitor_at_min) if dose > 0 and not pretreat else None),
            washout_min=row.get("washout"), trap_nM=float(row.get("trap_dose", 0.0)),
            inhibitor_tbrii_activity=self.compound.tbrii_activity(dose) if self.compound is not None else 1.0)
        frame = sim.run(protocol, readouts=self.readouts, params=params)
        frame = frame[frame["time_min"] >= 0]
        return {f"{r}@{m.text}": m.evaluate(frame, r) for r in self.readouts for m in self.metrics}


def run_chunk(sim: Simulator, experiment: Experiment, rows: list[dict]) -> pd.DataFrame:
    out = []
    for row in rows:
        result = dict(row)
        try:
            result.update(experiment.run_condition(sim, row))
            result["error"] = ""
        except (SimulationError, UserInputError, RuntimeError, ValueError) as err:
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


def run_scan(sim: Simulator, experiment: Experiment, conditions: pd.DataFrame, out, executor: str = "serial",
             workers: int | None = None, scheduler: str | None = None, chunk_size: int = 20,
             resume: bool = False, progress: bool = True) -> pd.DataFrame:
    """Run every condition; chunks stream to ``out/chunks``; returns all results (also ``out/results.parquet``)."""
    if executor not in EXECUTORS:
        raise UserInputError(f"unknown executor {executor!r}: valid executors are {', '.join(EXECUTORS)}")
    out = Path(out)
    (out / "chunks").mkdir(parents=True, exist_ok=True)
    existing = sorted((out / "chunks").glob("chunk-*.parquet"))
    if existing and not resume:
        raise UserInputError(f"{out} already holds {len(existing)} result chunks: use --resume to continue "
                             "that scan or choose another output folder")
    records = conditions.to_dict("records")
    chunks = [records[i:i + chunk_size] for i in range(0, len(records), chunk_size)]
    todo = [i for i in range(len(chunks)) if not chunk_path(out, i).exists()]
    workers = workers or os.cpu_count() or 1
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
