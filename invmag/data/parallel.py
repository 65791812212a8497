"""Where batches run: in this process, in local worker processes, or on a Dask cluster.

Results come back as they finish (not in order); only the calling process handles them, so one
process writes the HDF5 files.
"""

from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
import multiprocessing


def _one_thread():
    import torch

    torch.set_num_threads(1)


class Pool:
    """workers: local processes (1: this process); scheduler: a Dask distributed scheduler
    address such as "tcp://host:8786" (takes precedence over workers)."""

    def __init__(self, workers: int = 1, scheduler: str | None = None):
        if workers < 1:
            raise ValueError(f"workers must be ≥ 1, got {workers}")
        self.client = self.executor = None
        self.window = 1
        if scheduler:
            from distributed import Client

            try:
                self.client = Client(scheduler, timeout="20s")
            except OSError as e:
                raise ValueError(f"cannot reach the Dask scheduler at {scheduler} ({e})") from None
            self.window = 2 * max(1, sum(self.client.nthreads().values()))
        elif workers > 1:
            self.executor = ProcessPoolExecutor(workers, initializer=_one_thread,
                                                mp_context=multiprocessing.get_context("spawn"))
            self.window = 2 * workers

    @property
    def in_process(self) -> bool:
        """True when batches run in this process (callbacks such as progress work)."""
        return self.client is None and self.executor is None

    def describe(self) -> str:
        if self.client is not None:
            return f"Dask cluster {self.client.scheduler.address} ({self.window // 2} threads)"
        if self.executor is not None:
            return f"{self.window // 2} local processes"
        return "this process"

    def unordered(self, fn, tasks):
        """Run fn(*args) for each (key, args) of tasks, at most `window` at a time; yields
        (key, result) as batches finish. A failed task on Dask is retried once."""
        if self.in_process:
            for key, args in tasks:
                yield key, fn(*args)
            return
        tasks = iter(tasks)
        pending = {}

        def submit_next():
            item = next(tasks, None)
            if item is not None:
                key, args = item
                future = (self.client.submit(fn, *args, retries=1) if self.client is not None
                          else self.executor.submit(fn, *args))
                pending[future] = key

        for _ in range(self.window):
            submit_next()
        while pending:
            if self.client is not None:
                from distributed import wait as dask_wait

                finished = dask_wait(list(pending), return_when=FIRST_COMPLETED).done
            else:
                finished = wait(list(pending), return_when=FIRST_COMPLETED).done
            for future in finished:
                key = pending.pop(future)
                result = future.result()
                submit_next()
                yield key, result

    def close(self):
        if self.client is not None:
            self.client.close()
        if self.executor is not None:
            self.executor.shutdown(cancel_futures=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
