"""Where the constraint engines (``constrained``, ``subset``) run: local processes or a Dask cluster.

One interface for both: ``open_pool(init, blob, workers, executor, scheduler)`` gives a pool whose
``submit``/``map``/``as_completed`` run module-level functions after ``init(blob)`` has set up the worker
(the compiled simulators and the run's context, pickled once). Local processes get the blob through the
executor's initializer; Dask workers get it scattered once and initialise on their first task (cached by the
blob's digest), so a larger run moves to a cluster (``--executor dask --scheduler tcp://HOST:PORT``) without
code changes.
"""
from __future__ import annotations

import contextlib
import hashlib
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures import as_completed as local_as_completed

from alk5_pysb.errors import UserInputError

EXECUTORS = ("processes", "dask")
#: blob digest each initialiser last loaded in this (worker) process
_LOADED: dict = {}


def _call(init, digest: str, blob, fn, *args):
    if _LOADED.get(init) != digest:
        init(blob)
        _LOADED[init] = digest
    return fn(*args)


class _Local:
    def __init__(self, init, blob: bytes, workers: int):
        self._pool = ProcessPoolExecutor(workers, initializer=init, initargs=(blob,))

    def submit(self, fn, *args):
        return self._pool.submit(fn, *args)

    def map(self, fn, items):
        return self._pool.map(fn, items)

    @staticmethod
    def as_completed(futures):
        return local_as_completed(futures)

    def close(self):
        self._pool.shutdown(cancel_futures=True)


class _Dask:
    def __init__(self, init, blob: bytes, workers: int, scheduler: str | None):
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise UserInputError("the dask executor needs dask[distributed]: pip install 'alk5-pysb[dask]'") from None
        self._cluster = None
        if scheduler:
            try:
                self._client = Client(scheduler, timeout=30)
            except (OSError, TimeoutError, ValueError, TypeError) as err:
                raise UserInputError(f"cannot connect to the Dask scheduler {scheduler!r}: "
                                     f"{' '.join(str(err).split())[:200]}") from None
        else:
            self._cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                         dashboard_address=None)
            self._client = Client(self._cluster)
        self._init, self._digest = init, hashlib.sha1(blob).hexdigest()
        self._blob = self._client.scatter(blob, broadcast=True)

    def submit(self, fn, *args):
        return self._client.submit(_call, self._init, self._digest, self._blob, fn, *args, pure=False)

    def map(self, fn, items):
        futures = [self.submit(fn, item) for item in items]
        return (future.result() for future in futures)

    @staticmethod
    def as_completed(futures):
        from distributed import as_completed
        return as_completed(futures)

    def close(self):
        with contextlib.suppress(Exception):
            self._client.close()
        if self._cluster is not None:
            with contextlib.suppress(Exception):
                self._cluster.close()


def check_executor(executor: str, scheduler: str | None = None) -> str:
    """The executor to use (a scheduler address implies Dask); an unknown one is refused with the valid ones."""
    if scheduler:
        executor = "dask"
    if executor not in EXECUTORS:
        raise UserInputError(f"unknown executor {executor!r}: valid executors are {', '.join(EXECUTORS)}")
    return executor


@contextlib.contextmanager
def open_pool(init, blob: bytes, workers: int, executor: str = "processes", scheduler: str | None = None):
    """A pool of ``workers`` local processes or Dask workers (``scheduler``: an existing cluster's address)."""
    executor = check_executor(executor, scheduler)
    pool = _Dask(init, blob, workers, scheduler) if executor == "dask" else _Local(init, blob, workers)
    try:
        yield pool
    finally:
        pool.close()
