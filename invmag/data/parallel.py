"""Where batches run: in this process, in local worker processes, or on a Dask cluster.

Results come back as they finish (not in order); only the calling process handles them, so one
process writes the HDF5 files. A local worker process that dies (killed, out of memory) breaks its
process pool: a new pool takes over and the batches in flight are run once more. However the
calling process ends (an error, Ctrl-C, SIGTERM), it ends its worker processes with it; if it
is killed (SIGKILL, the OOM killer), each worker process ends itself.
"""

from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
import multiprocessing
import multiprocessing.connection
import os
import signal
import threading


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}".splitlines()[0]


def _run_now(fn, *args) -> Future:
    """Run fn(*args) in this process; its outcome as a finished Future."""
    future = Future()
    try:
        future.set_result(fn(*args))
    except Exception as e:
        future.set_exception(e)
    return future


def default_workers(device: str) -> int:
    """Local processes for a solver device: one per CPU core this process may use on the CPU
    (each relaxes its batches on one torch thread: small FFTs do not scale over threads), one
    on a GPU."""
    from ..runtime import solver_device  # torch: imported when used

    if solver_device(device).type == "cuda":
        return 1
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


class Pool:
    """workers: local processes (1: this process); scheduler: a Dask distributed scheduler
    address such as "tcp://host:8786" (takes precedence over workers)."""

    def __init__(self, workers: int = 1, scheduler: str | None = None):
        if workers < 1:
            raise ValueError(f"workers must be ≥ 1, got {workers}")
        self.client = self.executor = None
        self.window = 1
        self.workers = workers
        self.lost = 0  # times a local worker process died and a new pool took over
        if scheduler:
            from distributed import Client

            try:
                self.client = Client(scheduler, timeout="20s")
            except OSError as e:
                raise ValueError(f"cannot reach the Dask scheduler at {scheduler} ({e})") from None
            self.window = 2 * max(1, sum(self.client.nthreads().values()))
        elif workers > 1:
            self.executor = self._new_executor()
            self.window = 2 * workers
        self._sigterm = None

    def _new_executor(self) -> ProcessPoolExecutor:
        # spawn: a fork of a process that has run torch can deadlock in the child
        return ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=_watch_parent)

    def _submit_local(self, fn, args) -> Future:
        try:
            return self.executor.submit(fn, *args)
        except BrokenProcessPool:  # a worker died, which ended its pool and failed its futures
            self.lost += 1
            self.executor = self._new_executor()
            return self.executor.submit(fn, *args)

    @property
    def in_process(self) -> bool:
        """True when batches run in this process (callbacks such as progress work)."""
        return self.client is None and self.executor is None

    def unordered(self, fn, tasks):
        """Run fn(*args) for each (key, args) of tasks, at most `window` at a time; yields
        (key, result, error) as batches finish. A task that raises is run once more; if it
        fails again, result is None and error the exception's first line."""
        tasks = iter(tasks)
        pending = {}  # future -> (key, args, attempt)

        def submit(key, args, attempt=1):
            if self.client is not None:  # pure=False: a retry is a new task, not the cached one
                future = self.client.submit(fn, *args, pure=False)
            elif self.executor is not None:
                future = self._submit_local(fn, args)
            else:
                future = _run_now(fn, *args)
            pending[future] = (key, args, attempt)

        def submit_next():
            item = next(tasks, None)
            if item is not None:
                submit(*item)

        for _ in range(self.window):
            submit_next()
        while pending:
            if self.client is not None:
                from distributed import wait as dask_wait

                finished = dask_wait(list(pending), return_when=FIRST_COMPLETED).done
            else:
                finished = wait(list(pending), return_when=FIRST_COMPLETED).done
            for future in finished:
                key, args, attempt = pending.pop(future)
                if future.exception() is not None and attempt == 1:
                    submit(key, args, attempt=2)
                    continue
                error = future.exception()
                yield key, None if error else future.result(), error and _describe(error)
                submit_next()

    def close(self, abort: bool = False):
        """Wait for the worker processes to end, or with abort end them at once (SIGTERM)."""
        if self.client is not None:
            self.client.close()
        if self.executor is not None:
            if abort:  # ProcessPoolExecutor has no public way to stop running tasks (< 3.14)
                for process in list((self.executor._processes or {}).values()):
                    process.terminate()
            self.executor.shutdown(cancel_futures=True)

    def __enter__(self):
        """While local workers run, SIGTERM (a scheduler ending the job) raises SystemExit in
        the main thread, so that __exit__ ends the workers."""
        if self.executor is not None and threading.current_thread() is threading.main_thread():
            self._sigterm = signal.signal(signal.SIGTERM, _exit_on_sigterm)
        return self

    def __exit__(self, kind, error, traceback):
        try:
            self.close(abort=kind is not None)
        finally:
            if self._sigterm is not None:
                signal.signal(signal.SIGTERM, self._sigterm)


def _watch_parent():
    """Worker initializer: a thread that ends this worker process when its parent ends. A parent
    killed by SIGKILL cannot end its workers, which would otherwise wait for tasks forever."""
    sentinel = multiprocessing.parent_process().sentinel

    def watch():
        multiprocessing.connection.wait([sentinel])
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


def _exit_on_sigterm(signum, frame):
    raise SystemExit(128 + signum)
