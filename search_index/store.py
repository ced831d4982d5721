"""Versioned index directories under one root, with an atomically replaced pointer file.

    root/CURRENT        -> "v-20261123T070501-ab12" (replaced with os.replace)
    root/v-…/           -> a backend's files (whoosh: the "subjects" and "records" indexes)
    root/v-…/SEQUENCE   -> the last change-log sequence applied to that version
    root/.writer.lock   -> held by whoever writes to the root's indexes (fcntl, per host)
    root/.rebuild.lock  -> held for the whole of a rebuild
    root/v-…/.readers   -> a shared lock held by every process reading (or building) it

A rebuild writes a fresh version directory, then swaps the pointer: readers keep serving
from the old version until they next look at the pointer. A version that is not live and
that no process holds is removed (`remove_old_versions`): replaced ones as soon as their
last reader moved on, partial ones as soon as the process that built them is gone (killed
or failed). Locks are the kernel's (fcntl): a dead process holds none, so no marker can go
stale. A rebuild first checks the free space (`check_space`).
No backend specifics here: a backend passes the function that creates its empty indexes.
"""

from __future__ import annotations

import errno
import fcntl
import os
import secrets
import shutil
import time
import weakref
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, suppress
from pathlib import Path
from typing import Any

POINTER = "CURRENT"
SEQUENCE = "SEQUENCE"
SCHEMA = "SCHEMA"
#: the fields every backend writes; bump when they change, so an older index is rebuilt
#: (2: query plan fields — name cores, pinyin heads, records' text on subjects, subject
#: names on records, person keys, rank; 3: content_hash digests repr, not json)
SCHEMA_VERSION = 3
WRITER_LOCK = ".writer.lock"
REBUILD_LOCK = ".rebuild.lock"
READERS = ".readers"
KEEP_OLD_SECONDS = 600  # a version made before readers were counted: removed by age
LOCK_POLL_SECONDS = 0.02
STALE_TEMPORARY_SECONDS = 60  # a half-written pointer or sequence file of a killed process
# Markers of the design before the change log (kept by old releases): nothing reads them now.
LEGACY_MARKERS = ("REBUILDING", "pending.log")
REBUILD_HEADROOM = 1.5  # a rebuild needs the live version's size this many times over …
MIN_FREE_BYTES = 32 * 1024 * 1024  # … and at least this much free space


class IndexSpaceError(OSError):
    """Too little free disk space for the index; the message says how much is needed."""


def _close_all(held: dict[str, Any]) -> None:
    for handle in held.values():
        handle.close()
    held.clear()


class IndexStore:
    def __init__(self, root: str | os.PathLike[str],
                 initialise: Callable[[Path], None] | None = None) -> None:
        self.root = Path(root)
        self._initialise = initialise or (lambda path: None)
        self._held: dict[str, Any] = {}  # version name -> open file holding its shared lock
        # A store dropped without release_all (tests, short scripts) closes its lock files.
        # Not __del__: in a reference cycle the collector may finalise the files first, each
        # raising a ResourceWarning in whatever code runs then. The finalizer keeps the dict.
        weakref.finalize(self, _close_all, self._held)

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
        self.hold(path)  # before anything is written: a pruner must not take it for junk
        self._initialise(path)
        # An empty index has applied nothing: it replays the change log from the start
        # (a version made before the change log has no SEQUENCE, and is rebuilt).
        (path / SCHEMA).write_text(f"{SCHEMA_VERSION}\n")
        self.record_sequence(path, 0)
        return path

    def swap(self, version: Path) -> None:
        """Make `version` live in one atomic step."""
        self.root.mkdir(parents=True, exist_ok=True)
        temporary = self.root / f".{POINTER}.{secrets.token_hex(4)}"
        try:
            temporary.write_text(version.name + "\n")
            os.replace(temporary, self.pointer)
        finally:
            temporary.unlink(missing_ok=True)

    # ------------------------------------------------------------ applied sequence

    @staticmethod
    def applied_sequence(version: Path) -> int | None:
        """The last change-log sequence written into `version`; None if never recorded
        (a version made before the change log, or one not built from the database) and for
        a version written with another SCHEMA_VERSION."""
        try:
            if (version / SCHEMA).read_text().strip() != str(SCHEMA_VERSION):
                return None  # written for other fields: rebuilt like an unbuilt index
            return int((version / SEQUENCE).read_text().strip())
        except (FileNotFoundError, ValueError):
            return None

    @staticmethod
    def record_sequence(version: Path, sequence: int) -> None:
        """Record `sequence` as applied, atomically (call only after the index commit)."""
        temporary = version / f".{SEQUENCE}.{secrets.token_hex(4)}"
        try:
            temporary.write_text(f"{sequence}\n")
            os.replace(temporary, version / SEQUENCE)
        finally:
            temporary.unlink(missing_ok=True)  # a full disk leaves no half-written file

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

    # ------------------------------------------------------------ readers, pruning, space

    def hold(self, version: Path) -> bool:
        """Take a shared lock on `version` while this process reads or builds it; False when
        it is being removed. Released by `release`, or by the kernel when the process dies."""
        if version.name in self._held:
            return True
        try:
            handle = open(version / READERS, "a")  # noqa: SIM115 (held until release)
        except FileNotFoundError:
            return False
        try:
            fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:  # a pruner has it: the version is going away
            handle.close()
            return False
        self._held[version.name] = handle
        return True

    def release(self, version_name: str | None) -> None:
        handle = self._held.pop(version_name or "", None)
        if handle is not None:
            handle.close()

    def release_all(self) -> None:
        for name in list(self._held):
            self.release(name)

    def discard(self, version: Path) -> None:
        """Remove a version this process made and will not swap in (a failed rebuild)."""
        if version.name != self.current_name():
            self.release(version.name)
            shutil.rmtree(version, ignore_errors=True)

    def remove_old_versions(self, keep_seconds: float = KEEP_OLD_SECONDS) -> list[str]:
        """Remove every version that is not live and that no process holds, and the
        leftovers of killed processes (half-written temporary files, legacy markers)."""
        live = self.current_name()
        removed = []
        for path in sorted(self.root.glob("v-*")):
            if path.name == live or path.name in self._held or not path.is_dir():
                continue
            if self._remove_if_unused(path, keep_seconds):
                removed.append(path.name)
        now = time.time()
        for path in [*self.root.glob(f".{POINTER}.*"), *self.root.glob(f"v-*/.{SEQUENCE}.*")]:
            with suppress(FileNotFoundError):
                if now - path.stat().st_mtime > STALE_TEMPORARY_SECONDS:
                    path.unlink()
                    removed.append(str(path.relative_to(self.root)))
        for name in LEGACY_MARKERS:
            if (self.root / name).exists():
                (self.root / name).unlink(missing_ok=True)
                removed.append(name)
        return removed

    def _remove_if_unused(self, path: Path, keep_seconds: float) -> bool:
        """Remove `path` if no process holds it: its lock taken exclusively, without
        waiting, and kept until the directory is gone, so no reader can take it meanwhile."""
        try:
            handle = open(path / READERS, "a")  # noqa: SIM115 (closed below)
        except FileNotFoundError:  # made before readers were counted: by age
            if time.time() - path.stat().st_mtime <= keep_seconds:
                return False
            shutil.rmtree(path, ignore_errors=True)
            return True
        with handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return False  # still read by a worker, or being built
            if self.current_name() == path.name:  # swapped in meanwhile
                return False
            shutil.rmtree(path, ignore_errors=True)
            return True

    def size(self, version: Path) -> int:
        return sum(p.stat().st_size for p in version.rglob("*") if p.is_file())

    def check_space(self) -> None:
        """Before a rebuild: refuse when the filesystem cannot take a new version (the live
        one's size x REBUILD_HEADROOM, at least MIN_FREE_BYTES), rather than fail half-way."""
        self.root.mkdir(parents=True, exist_ok=True)
        name = self.current_name()
        live = self.size(self.root / name) if name and (self.root / name).is_dir() else 0
        needed = max(MIN_FREE_BYTES, int(live * REBUILD_HEADROOM))
        free = shutil.disk_usage(self.root).free
        if free < needed:
            raise IndexSpaceError(
                errno.ENOSPC,
                f"索引目录 {self.root} 所在磁盘剩余 {free / 2**20:.0f} MB，重建约需 "
                f"{needed / 2**20:.0f} MB（现用索引 {live / 2**20:.0f} MB）：请先释放空间")

