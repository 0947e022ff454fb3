"""The writer lock of an index folder: one process writes at a time.

It is an operating-system file lock (flock), so the system releases it when the process that
holds it dies: a lock left by a killed run is never stale.
"""

from __future__ import annotations

import fcntl
import os
import time

from .errors import IndexLockedError

LOCK_FILE = "lock"
_POLL = 0.1


class WriterLock:
    """Held from before the file list is read until the last commit of a run."""

    def __init__(self, folder: str, *, wait: float = 0.0) -> None:
        os.makedirs(folder, exist_ok=True)
        self._handle = open(os.path.join(folder, LOCK_FILE), "a+b")  # noqa: SIM115
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(self._handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    self._handle.close()
                    waited = f" (waited {wait:g} s)" if wait else ""
                    raise IndexLockedError(
                        f"Another process is writing to this index{waited}: try again when it "
                        "has finished, or wait for it with --wait SECONDS."
                    ) from None
                time.sleep(_POLL)

    def release(self) -> None:
        if not self._handle.closed:
            fcntl.flock(self._handle, fcntl.LOCK_UN)
            self._handle.close()

    def __enter__(self) -> WriterLock:
        return self

    def __exit__(self, *exc_info) -> None:
        self.release()
