"""The one parser of `--cluster ADDRESS`: `local` (a worker per core), `local:N` (N worker processes on
this machine, at most its cores and limits.MAX_LOCAL_WORKERS), or a Dask scheduler's address
`tcp://HOST:PORT` (or `HOST:PORT`). Anything else (other protocols: tls, ucx, inproc, ws; a port that
is not a number from 1 to 65535; a host with spaces or slashes) is refused before Dask is imported."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from seqkit.errors import OptionError
from seqkit.limits import MAX_LOCAL_WORKERS

USAGE = "--cluster must be local, local:N or a scheduler address tcp://HOST:PORT"
_HOST = re.compile(r"[A-Za-z0-9._-]{1,253}|\[[0-9A-Fa-f:.]{2,45}\]")  # a name, an IPv4 or a bracketed IPv6 address
_PORT = re.compile(r"[0-9]{1,5}")  # ASCII digits only (str.isdigit takes '²')


@dataclass(frozen=True)
class ClusterAddress:
    workers: int | None  # local worker processes to start; None: connect to `scheduler`
    scheduler: str | None = None  # tcp://HOST:PORT of a running scheduler


def machine_cores() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)


def parse_cluster(address: str) -> ClusterAddress:
    """The checked address, or OptionError (exit 2) naming what is wrong."""
    if address == "local":
        return ClusterAddress(min(machine_cores(), MAX_LOCAL_WORKERS))
    if address.startswith("local:"):
        return ClusterAddress(_local_workers(address[len("local:"):]))
    scheme, sep, rest = address.partition("://")
    if not sep:
        scheme, rest = "tcp", address
    if scheme != "tcp":
        raise OptionError(f"{USAGE}, not {address!r}: only the tcp protocol is supported")
    host, colon, port = rest.rpartition(":")
    if not colon or not _HOST.fullmatch(host) or not _PORT.fullmatch(port) or not 1 <= int(port) <= 65535:
        raise OptionError(f"{USAGE} (a host name or IP address and a port from 1 to 65535), not {address!r}")
    return ClusterAddress(None, f"tcp://{host}:{int(port)}")


def _local_workers(n: str) -> int:
    limit = min(machine_cores(), MAX_LOCAL_WORKERS)
    if not re.fullmatch(r"[0-9]{1,18}", n) or int(n) < 1:
        raise OptionError(f"--cluster local:N needs a number of workers of at least 1, not {n!r}")
    if int(n) > limit:
        raise OptionError(f"--cluster local:{n}: at most {limit} workers on this machine (one per core, "
                          f"at most {MAX_LOCAL_WORKERS})")
    return int(n)
