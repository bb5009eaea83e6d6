"""The scan engine: many conditions on one compiled model, on one core, all local cores, or Dask.

A scan is one Experiment and a table of conditions (one row each: condition_id + axis values; each
condition is the experiment varied by its row, see Experiment.vary). It is cut into
fixed chunks; each chunk is simulated by a worker that holds the compiled model (shipped once as
RoadRunner's saved state, never recompiled) and written to ``<out>/chunks/chunk-NNNNNN.parquet``
atomically. ``resume`` skips chunks already on disk, so an interrupted scan ends with every
condition exactly once. A condition whose integration fails is recorded with its error.

Executors: ``serial`` (in-process), ``processes`` (concurrent.futures, all cores by default) and
``dask`` (a distributed LocalCluster, or a running cluster given by its scheduler address).

Nothing lost or mixed: a scan holds ``<out>/.lock`` (an ``flock`` with the writer's PID, released
by the kernel when the process dies) while it writes the folder, so a second scan into the same
folder stops with the first one's PID. Worker processes die with their parent (Linux
``PR_SET_PDEATHSIG``, and a watchdog thread elsewhere), and SIGTERM/Ctrl-C of the parent stops
them. Solver messages that libRoadRunner/CVODE print on the process's stdout/stderr are sent to
the ``alk5_pysb.solver`` logger; the reason a condition failed is kept whole in its ``error``.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import math
import os
import pickle
import signal
import sys
import tempfile
import threading
import time
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: scans are not locked
    fcntl = None

import pandas as pd
from tqdm import tqdm

from alk5_pysb.io.files import atomic_path, make_folder
from alk5_pysb.errors import SimulationError, UserInputError
from alk5_pysb.simulation.experiment import Experiment, measure
from alk5_pysb.simulation.simulator import Simulator

EXECUTORS = ("serial", "processes", "dask")
SCAN_RECORD = "scan.json"
LOCK_FILE = ".lock"
RESULTS = "results.parquet"
#: seconds to reach a Dask scheduler given by address
DASK_CONNECT_TIMEOUT_S = 5.0
#: seconds a Dask scan waits with no worker at all before it gives up (ALK5_DASK_WORKER_GRACE_S)
DASK_WORKER_GRACE_S = 30.0

solver_log = logging.getLogger("alk5_pysb.solver")


class ScanError(SimulationError):
    """The scan could not go on (workers lost, scheduler gone); the CLI prints one line and exits 1."""


class _NativeOutput:
    """Process-wide redirection of descriptors 1 and 2 into one temporary file. Descriptors belong to
    the process, so concurrent conditions (threads of a Dask worker) share it: the first one in
    redirects, the last one out restores and logs what was printed."""
    lock = threading.Lock()
    depth = 0
    saved: tuple | None = None
    sink = None


@contextlib.contextmanager
def solver_output_to_log(label: str = ""):
    """Send what native code (CVODE, libRoadRunner) prints on file descriptors 1 and 2 to the
    ``alk5_pysb.solver`` logger (INFO) instead of the terminal or a piped stdout."""
    state = _NativeOutput
    with state.lock:
        if state.depth == 0:
            try:
                sys.stdout.flush()
                sys.stderr.flush()
                saved = (os.dup(1), os.dup(2))
            except (OSError, ValueError, AttributeError):   # no real descriptors (embedded interpreters)
                saved = None
            if saved is not None:
                state.saved, state.sink = saved, tempfile.TemporaryFile()
                os.dup2(state.sink.fileno(), 1)
                os.dup2(state.sink.fileno(), 2)
        state.depth += 1
    try:
        yield
    finally:
        with state.lock:
            state.depth -= 1
            if state.depth == 0 and state.saved is not None:
                text = _restore_native_output(state)
                for line in text.splitlines():
                    if line.strip():
                        solver_log.info("%s%s", f"{label}: " if label else "", line.rstrip())


def _restore_native_output(state) -> str:
    libc = _libc()
    if libc is not None:
        libc.fflush(None)          # C stdio buffers go to the sink, not to the restored stdout
    with contextlib.suppress(OSError, ValueError):
        sys.stdout.flush()
        sys.stderr.flush()
    saved, sink = state.saved, state.sink
    state.saved = state.sink = None
    os.dup2(saved[0], 1)
    os.dup2(saved[1], 2)
    os.close(saved[0])
    os.close(saved[1])
    with sink:
        sink.seek(0)
        return sink.read().decode(errors="replace")


def _libc():
    try:
        import ctypes
        return ctypes.CDLL(None)
    except (OSError, AttributeError):   # pragma: no cover
        return None


def run_chunk(sim: Simulator, experiment: Experiment, rows: list[dict]) -> pd.DataFrame:
    out = []
    for row in rows:
        result = dict(row)
        try:
            with solver_output_to_log(f"condition {row.get('condition_id', '?')}"):
                result.update(measure(sim, experiment.vary(row)))
            result["error"] = ""
        except (SimulationError, UserInputError, RuntimeError, ValueError, KeyError) as err:
            result.update({c: math.nan for c in experiment.columns()})
            result["error"] = str(err).strip() or type(err).__name__   # the solver's reason, whole
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


PR_SET_PDEATHSIG = 1     # linux/prctl.h


def _die_with_parent(parent_pid: int):
    """A worker must not outlive the scan that started it (a SIGKILLed parent runs no clean-up):
    the kernel sends it SIGKILL when its parent dies (Linux), and a watchdog thread checks the
    parent every second (everywhere, and covers the instant before prctl took effect)."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            import ctypes
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
    if os.getppid() != parent_pid:      # the parent died before prctl
        os._exit(1)

    def watch():
        while True:
            time.sleep(1.0)
            if os.getppid() != parent_pid:
                os._exit(1)

    threading.Thread(target=watch, name="alk5-parent-watchdog", daemon=True).start()


def _init_process(blob: bytes, parent_pid: int | None = None):
    if parent_pid is not None:
        _die_with_parent(parent_pid)
    signal.signal(signal.SIGINT, signal.SIG_IGN)   # Ctrl-C reaches the whole group: the parent stops us
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


def _check_resumable(out: Path, record: dict, resume: bool, restart_option: str | None = None) -> int:
    """The chunk size to use; refuses to mix chunks of a different scan into this one. The messages
    name ``restart_option`` (the caller's option that starts a scan again, e.g. ``--force``) only
    when the caller has one."""
    existing = sorted((out / "chunks").glob("chunk-*.parquet"))
    if existing and not resume:
        again = f", {restart_option} to start again" if restart_option else ""
        raise UserInputError(f"{out} already holds {len(existing)} result chunks of an earlier scan: use --resume to "
                             f"continue that scan{again} or choose another -o")
    start_over = (f"start again with {restart_option} or choose another -o" if restart_option
                  else "choose another -o or delete this folder")
    path = out / SCAN_RECORD
    if resume and path.is_file():
        try:
            saved = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as err:
            raise UserInputError(f"cannot resume in {out}: its {SCAN_RECORD} is unreadable ({err}); {start_over}") from None
        if saved.get("sha256") != record["sha256"]:
            raise UserInputError(f"cannot resume in {out}: it holds a different scan (other conditions, readouts, "
                                 f"metrics, settings or network); {start_over}")
        return int(saved["chunk_size"])
    if existing:
        raise UserInputError(f"cannot resume in {out}: its {SCAN_RECORD} is missing, so its chunks cannot be "
                             f"matched to conditions; {start_over}")
    return record["chunk_size"]


# -- the output folder: one writer at a time -----------------------------------------------------
def _lock_holder(fd: int) -> str:
    for _ in range(20):                     # the holder writes its PID right after taking the lock
        text = os.pread(fd, 32, 0).decode(errors="replace").strip()
        if text:
            return text
        time.sleep(0.05)
    return "unknown"


@contextlib.contextmanager
def folder_lock(folder):
    """Hold ``folder/.lock`` (flock, with this process's PID inside) while a scan writes ``folder``.

    A second writer gets a UserInputError naming the first one's PID. The kernel drops the lock
    when its holder dies, so a crashed or killed scan never blocks the folder."""
    folder = Path(folder)
    if fcntl is None:  # pragma: no cover
        yield
        return
    path = folder / LOCK_FILE
    while True:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as err:
            raise UserInputError(f"cannot write in {folder}: {err.strerror}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _lock_holder(fd)
            os.close(fd)
            raise UserInputError(f"{folder} is being written by another scan (PID {holder}): wait for it to end, "
                                 "stop it, or choose another output folder") from None
        except OSError as err:
            os.close(fd)
            raise UserInputError(f"cannot lock {path}: {err.strerror}") from None
        try:
            current = os.stat(path).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            current = False
        if current:
            break
        os.close(fd)        # the lock file was removed (--force) while we opened it: lock the new one
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)
        os.close(fd)


def forget_scan(out) -> None:
    """Remove a scan's own files from ``out`` (chunks, record, results); nothing else in the folder.
    Call it with the folder locked."""
    import shutil
    out = Path(out)
    try:
        if (out / "chunks").is_dir():
            shutil.rmtree(out / "chunks")
        for name in (SCAN_RECORD, RESULTS):
            (out / name).unlink(missing_ok=True)
    except OSError as err:
        raise UserInputError(f"cannot remove the previous scan in {out}: {err.strerror}") from None


@contextlib.contextmanager
def _sigterm_ends_scan():
    """SIGTERM stops the scan like Ctrl-C (workers are stopped, finished chunks stay for --resume);
    the process exits with 143. Only the main thread can own signal handlers."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, frame):
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def check_options(executor: str = "serial", workers: int | None = None, chunk_size: int | None = None,
                  resume: bool = False, force: bool = False):
    """The options of a scan, checked before any work (callers that create folders check them first)."""
    if executor not in EXECUTORS:
        raise UserInputError(f"unknown executor {executor!r}: valid executors are {', '.join(EXECUTORS)}")
    if workers is not None and (isinstance(workers, bool) or workers < 1):
        raise UserInputError(f"--workers must be >= 1, got {workers}")
    if chunk_size is not None and (isinstance(chunk_size, bool) or chunk_size < 1):
        raise UserInputError(f"--chunk-size must be >= 1 (conditions per chunk file), got {chunk_size}")
    if force and resume:
        raise UserInputError("--resume continues a scan and --force starts it again: give one of them")


def run_scan(sim: Simulator, experiment: Experiment, conditions: pd.DataFrame, out, executor: str = "serial",
             workers: int | None = None, scheduler: str | None = None, chunk_size: int | None = None,
             resume: bool = False, progress: bool = True, force: bool = False,
             restart_option: str | None = None) -> pd.DataFrame:
    """Run every condition; chunks stream to ``out/chunks``; returns all results (also ``out/results.parquet``).

    ``chunk_size=None`` picks one from the scan size and workers; a resumed scan keeps the chunk size it
    started with (recorded in ``out/scan.json`` with a hash of the conditions and the experiment).
    ``force`` removes a previous scan's chunks, record and results from ``out`` first. ``out`` is locked
    while the scan runs (a second scan into it raises UserInputError naming this one's PID).
    ``restart_option`` is the option of the calling command that starts a scan again (``--force``), named
    in refusals."""
    check_options(executor, workers, chunk_size, resume, force)
    sim.check_ligand(experiment.ligand)       # before any work
    if experiment.times is None:              # the window and output grid the metrics need
        experiment = experiment.for_metrics()
    out = Path(out)
    make_folder(out, "scan results")
    with folder_lock(out):
        if force:
            forget_scan(out)
        make_folder(out / "chunks", "scan results")
        workers = workers or os.cpu_count() or 1
        record = _scan_record(sim, experiment, conditions, chunk_size or default_chunk_size(len(conditions), workers))
        record["chunk_size"] = chunk_size = _check_resumable(out, record, resume, restart_option)
        with atomic_path(out / SCAN_RECORD) as tmp:
            tmp.write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
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
            with _sigterm_ends_scan():
                if not todo:
                    pass
                elif executor == "serial":
                    for i in todo:
                        store(i, run_chunk(sim, experiment, chunks[i]))
                elif executor == "processes":
                    _run_processes(sim, experiment, chunks, todo, workers, store)
                else:
                    _run_dask(sim, experiment, chunks, todo, workers, scheduler, store)
        finally:
            bar.close()
        return collect(out)


def _stop_pool(pool):
    """Stop a process pool now: running chunks are abandoned (they are redone on --resume)."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    for proc in processes:
        with contextlib.suppress(Exception):
            proc.terminate()
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in processes:
        with contextlib.suppress(Exception):
            proc.join(timeout=5)
            if proc.is_alive():
                proc.kill()


def _run_processes(sim, experiment, chunks, todo, workers, store):
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed
    from concurrent.futures.process import BrokenProcessPool
    blob = pickle.dumps(sim)
    pool = ProcessPoolExecutor(max_workers=min(workers, len(todo)), mp_context=multiprocessing.get_context("spawn"),
                               initializer=_init_process, initargs=(blob, os.getpid()))
    try:
        futures = [pool.submit(_process_task, blob, experiment, i, chunks[i]) for i in todo]
        for future in as_completed(futures):
            store(*future.result())
    except BrokenProcessPool:
        _stop_pool(pool)
        raise ScanError("a worker process died (killed, or out of memory?); finished chunks are kept: "
                        "rerun with --resume") from None
    except BaseException:
        _stop_pool(pool)
        raise
    pool.shutdown(wait=True)


def _one_line(err) -> str:
    text = " ".join(str(err).split())
    return text or type(err).__name__


def _worker_grace() -> float:
    try:
        return float(os.environ.get("ALK5_DASK_WORKER_GRACE_S", DASK_WORKER_GRACE_S))
    except ValueError:
        raise UserInputError("ALK5_DASK_WORKER_GRACE_S must be a number of seconds") from None


def _run_dask(sim, experiment, chunks, todo, workers, scheduler, store):
    from concurrent.futures import CancelledError
    try:
        from distributed import Client, KilledWorker, LocalCluster, wait
    except ImportError:
        raise UserInputError("the dask executor needs dask[distributed]: pip install 'alk5-pysb[dask]'") from None
    grace = _worker_grace()
    lost = (KilledWorker, CancelledError, OSError, TimeoutError)       # CommClosedError is an OSError
    cluster = None
    if scheduler:
        try:
            client = Client(scheduler, timeout=DASK_CONNECT_TIMEOUT_S)
        except (OSError, TimeoutError, ValueError, TypeError) as err:
            raise UserInputError(f"cannot connect to the Dask scheduler {scheduler!r}: {_one_line(err)}") from None
    else:
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None)
        client = Client(cluster)
    where = f"the Dask scheduler {scheduler}" if scheduler else "the local Dask cluster"
    try:
        try:
            blob = client.scatter(pickle.dumps(sim), broadcast=True, timeout=grace)
        except (*lost, ValueError) as err:
            raise ScanError(f"no worker of {where} took the model within {grace:g} s ({_one_line(err)}): "
                            "start workers and rerun") from None
        futures = [client.submit(_dask_task, blob, experiment, i, chunks[i], pure=False) for i in todo]
        pending, alone_since = set(futures), None
        while pending:
            try:
                done, pending = wait(pending, timeout=1.0, return_when="FIRST_COMPLETED")
            except TimeoutError:
                done = set()
            except lost as err:          # e.g. the model's scattered copy went with its last worker
                raise ScanError(f"Dask workers were lost ({_one_line(err)[:300]}); finished chunks are kept: "
                                "rerun with --resume") from None
            for future in done:
                try:
                    index, frame = future.result()
                except lost as err:
                    raise ScanError(f"Dask workers were lost ({_one_line(err)}); finished chunks are kept: "
                                    "rerun with --resume") from None
                store(index, frame)
            if done or not pending:
                alone_since = None
                continue
            try:
                alive = len(client.nthreads()) > 0
            except lost as err:
                raise ScanError(f"lost {where} ({_one_line(err)}); finished chunks are kept: rerun with --resume") from None
            if alive:
                alone_since = None
            elif alone_since is None:
                alone_since = time.monotonic()
            elif time.monotonic() - alone_since > grace:
                raise ScanError(f"all workers of {where} are gone (none for {grace:g} s, {len(pending)} chunks left); "
                                "finished chunks are kept: start workers and rerun with --resume")
    finally:
        with contextlib.suppress(Exception):
            client.close(timeout=DASK_CONNECT_TIMEOUT_S)
        if cluster is not None:
            with contextlib.suppress(Exception):
                cluster.close(timeout=DASK_CONNECT_TIMEOUT_S)


def collect(out) -> pd.DataFrame:
    """All chunks of a scan folder, ordered by condition, written to results.parquet."""
    out = Path(out)
    files = sorted((out / "chunks").glob("chunk-*.parquet"))
    if not files:
        return pd.DataFrame()
    frame = pd.concat([pd.read_parquet(f) for f in files], ignore_index=True).sort_values("condition_id")
    frame = frame.reset_index(drop=True)
    with atomic_path(out / RESULTS) as tmp:
        frame.to_parquet(tmp, index=False)
    return frame
