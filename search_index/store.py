"""Versioned index directories under one root, with an atomically replaced pointer file.

    root/CURRENT        -> "v-20261123T070501-ab12" (replaced with os.replace)
    root/v-…/           -> a backend's files (whoosh: the "subjects" and "records" indexes)
    root/v-…/SEQUENCE   -> the last change-log sequence applied to that version
    root/.writer.lock   -> held by whoever writes to the root's indexes (fcntl, per host)
    root/.rebuild.lock  -> held for the whole of a rebuild

A rebuild writes a fresh version directory, then swaps the pointer: readers keep serving
from the old version until they next look at the pointer. Old versions are removed later.
No backend specifics here: a backend passes the function that creates its empty indexes.
"""

from __future__ import annotations

import fcntl
import os
import secrets
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

POINTER = "CURRENT"
SEQUENCE = "SEQUENCE"
WRITER_LOCK = ".writer.lock"
REBUILD_LOCK = ".rebuild.lock"
KEEP_OLD_SECONDS = 600  # old versions may still be open in other workers
LOCK_POLL_SECONDS = 0.02


class IndexStore:
    def __init__(self, root: str | os.PathLike[str],
                 initialise: Callable[[Path], None] | None = None) -> None:
        self.root = Path(root)
        self._initialise = initialise or (lambda path: None)

    @property
    def pointer(self) -> Path:
        return self.root / POINTER

    def current_name(self) -> str | None:
        try:
            return self.pointer.read_text().strip() or None
        except FileNotFoundError:
            return None

    def live_dir(self) -> Path:
        """The live version's directory (an empty index is made on first use, under a file
        lock so that workers starting together agree on one)."""
        name = self.current_name()
        if name and (self.root / name).is_dir():
            return self.root / name
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / ".create.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            name = self.current_name()
            if name and (self.root / name).is_dir():
                return self.root / name
            path = self.new_version()
            self.swap(path)
            return path

    def new_version(self) -> Path:
        """A fresh directory with empty indexes at sequence 0, not yet live."""
        name = f"v-{time.strftime('%Y%m%dT%H%M%S')}-{secrets.token_hex(3)}"
        path = self.root / name
        path.mkdir(parents=True)
        self._initialise(path)
        # An empty index has applied nothing: it replays the change log from the start
        # (a version made before the change log has no SEQUENCE, and is rebuilt).
        self.record_sequence(path, 0)
        return path

    def swap(self, version: Path) -> None:
        """Make `version` live in one atomic step."""
        self.root.mkdir(parents=True, exist_ok=True)
        temporary = self.root / f".{POINTER}.{secrets.token_hex(4)}"
        temporary.write_text(version.name + "\n")
        os.replace(temporary, self.pointer)

    # ------------------------------------------------------------ applied sequence

    @staticmethod
    def applied_sequence(version: Path) -> int | None:
        """The last change-log sequence written into `version`; None if never recorded
        (a version made before the change log, or one not built from the database)."""
        try:
            return int((version / SEQUENCE).read_text().strip())
        except (FileNotFoundError, ValueError):
            return None

    @staticmethod
    def record_sequence(version: Path, sequence: int) -> None:
        """Record `sequence` as applied, atomically (call only after the index commit)."""
        temporary = version / f".{SEQUENCE}.{secrets.token_hex(4)}"
        temporary.write_text(f"{sequence}\n")
        os.replace(temporary, version / SEQUENCE)

    def writer_lock(self, timeout: float) -> AbstractContextManager[bool]:
        """The root's writer lock, waited for up to `timeout` seconds; yields whether it
        was obtained (the caller decides what to do without it). Released on exit, and by
        the kernel if the process dies."""
        return self._flock(WRITER_LOCK, timeout)

    def rebuild_lock(self, timeout: float) -> AbstractContextManager[bool]:
        """Held for a whole rebuild, so that two processes never build at once."""
        return self._flock(REBUILD_LOCK, timeout)

    @contextmanager
    def _flock(self, name: str, timeout: float) -> Iterator[bool]:
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / name, "a") as handle:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        yield False
                        return
                    time.sleep(LOCK_POLL_SECONDS)
            try:
                yield True
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def remove_old_versions(self, keep_seconds: float = KEEP_OLD_SECONDS) -> list[str]:
        """Delete versions other than the live one that were last changed long enough ago."""
        live = self.current_name()
        removed = []
        for path in self.root.glob("v-*"):
            if path.name != live and time.time() - path.stat().st_mtime > keep_seconds:
                shutil.rmtree(path, ignore_errors=True)
                removed.append(path.name)
        return removed
