"""A Dask client for `--cluster ADDRESS`: `local` or `local:N` starts a LocalCluster of N worker
processes on the loopback interface, anything else is a scheduler address (tcp://host:8786)."""

from __future__ import annotations

import contextlib
from typing import Iterator

from seqkit.cluster.address import parse_cluster
from seqkit.errors import OptionError, SeqkitError

EXTRA_HINT = "pip install 'seqkit[dask]'"


def _dask():
    try:
        import distributed
    except ImportError:
        raise OptionError(f"--cluster needs Dask's distributed scheduler, which is not installed: {EXTRA_HINT}") from None
    return distributed


def local_cluster(n: int):
    """A LocalCluster of ``n`` single-threaded worker processes, listening on 127.0.0.1 only (its
    HTTP endpoint too, on a free port; no dashboard).

    A Ctrl-C reaches the whole process group, and Dask's worker processes printed a page of tracebacks
    each before our one line. So the cluster starts with SIGINT held (fileio.interrupts_held: blocked in
    this thread, a Ctrl-C meanwhile delivered after): Dask's event-loop thread, started here, inherits the
    blocked mask, and so do the worker processes it spawns (a mask survives fork and exec), for good; the
    Ctrl-C is this process's to handle, and closing the cluster stops them. multiprocessing's resource
    tracker unblocks SIGINT in the thread that starts it, so it is started first, from this one."""
    import logging
    from multiprocessing import resource_tracker

    import distributed

    from seqkit.fileio import interrupts_held

    resource_tracker.ensure_running()
    with interrupts_held():
        return distributed.LocalCluster(
            n_workers=n, threads_per_worker=1, processes=True, host="127.0.0.1",
            dashboard_address=None, worker_dashboard_address=None, silence_logs=logging.ERROR,
            scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
        )


@contextlib.contextmanager
def connect(address: str) -> Iterator:
    """A ``distributed.Client`` for ``address``; a LocalCluster started here is closed on exit."""
    parsed = parse_cluster(address)
    n = parsed.workers
    distributed = _dask()
    cluster = None
    try:
        if n is not None:
            cluster = local_cluster(n)
            client = distributed.Client(cluster)
        else:
            client = distributed.Client(parsed.scheduler, timeout="10s")
    except (OSError, TimeoutError, ValueError) as e:
        if cluster is not None:
            cluster.close()
        raise SeqkitError(f"cannot reach the Dask scheduler at {address}: {e}") from None
    try:
        with translate_failures():
            yield client
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def on_worker(task):
    """A task whose file errors (an input, model or output folder the worker cannot see) become
    one InputError that says why that happens."""
    import functools

    @functools.wraps(task)
    def run(*args, **kwargs):
        try:
            return task(*args, **kwargs)
        except OSError as e:
            from seqkit.errors import InputError

            raise InputError(
                f"a Dask worker could not read or write a file ({e}): every worker needs the same paths "
                "as this machine (a shared file system)"
            ) from None

    return run


def n_workers(client) -> int:
    return max(1, len(client.scheduler_info().get("workers", {})))


@contextlib.contextmanager
def translate_failures():
    """A worker that died on the same task more often than Dask allows (its `allowed-failures`
    retries) -> one SeqkitError. Errors raised by seqkit inside a task come through unchanged."""
    from distributed import KilledWorker
    from distributed.comm import CommClosedError

    try:
        yield
    except KilledWorker as e:
        task = e.args[0] if e.args else "a task"
        raise SeqkitError(
            f"a Dask worker died while running {task}, each time it was tried (out of memory, or killed?): "
            "see the worker logs"
        ) from None
    except (CommClosedError, TimeoutError) as e:
        raise SeqkitError(f"lost the connection to the Dask cluster: {e}") from None


def ordered(futures) -> Iterator:
    """Results of ``futures`` in their order, each released once read."""
    for fut in futures:
        yield fut.result()
        fut.release()
