"""Temporary files that say who wrote them, so leftovers of a dead process can be swept at once.

A name is ``[<prefix>~]<host>~<pid>~<token><suffix>``: the host (``~`` never occurs in it) and
the process id of the writer. A file of this host whose process is gone is an orphan (a crash,
a kill): nobody will finish or remove it. A file of another host sharing the folder, or of a
live process, is left alone until it is older than the caller's age limit.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import socket
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

SEP = "~"


def _host() -> str:
    name = re.sub(r"[^A-Za-z0-9.-]", "_", socket.gethostname())[:64]
    return name or "host"


HOST = _host()


@dataclass(frozen=True, slots=True)
class Owner:
    host: str
    pid: int


def temp_name(suffix: str = ".part", prefix: str = "") -> str:
    """A fresh name owned by this process, e.g. ``web01~4242~9f1c…e0.part``."""
    token = secrets.token_hex(16)
    parts = [prefix, HOST, str(os.getpid()), token] if prefix else [HOST, str(os.getpid()), token]
    return SEP.join(parts) + suffix


_TAIL = re.compile(r"^(?P<pid>[0-9]{1,10})~(?P<token>[0-9a-f]{8,64})(?:\..*)?$")


def owner_of(name: str) -> Owner | None:
    """Who wrote the temp file ``name`` (a name only), or None when it is not such a name."""
    parts = name.rsplit(SEP, 2)  # [prefix~]host, pid, token+suffix
    if len(parts) != 3:
        return None
    tail = _TAIL.match(f"{parts[1]}~{parts[2]}")
    host = parts[0].rsplit(SEP, 1)[-1]
    if tail is None or not host:
        return None
    return Owner(host, int(tail["pid"]))


def pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, belongs to another user
        return True
    except OverflowError:
        return False
    return True


def is_orphan(name: str) -> bool:
    """A temp file of this host whose writer is no longer running."""
    owner = owner_of(name)
    if owner is None or owner.host != HOST:
        return False
    return owner.pid != os.getpid() and not pid_alive(owner.pid)


def sweep(paths: Iterable[Path], older_than: float | None = None) -> int:
    """Remove the temp files among ``paths`` that are orphans, whatever their age, and those
    older than ``older_than`` seconds (None: none by age); return how many were removed."""
    cutoff = None if older_than is None else time.time() - older_than
    removed = 0
    for path in paths:
        with contextlib.suppress(FileNotFoundError):  # another sweeper was quicker
            if is_orphan(path.name) or (cutoff is not None and path.stat().st_mtime < cutoff):
                path.unlink()
                removed += 1
    return removed
