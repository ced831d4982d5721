"""Versioned index directories under one root, with an atomically replaced pointer file.

    root/CURRENT        -> "v-20261123T070501-ab12" (replaced with os.replace)
    root/v-…/           -> a whoosh storage holding the "subjects" and "records" indexes

A rebuild writes a fresh version directory, then swaps the pointer: readers keep serving
from the old version until they next look at the pointer. Old versions are removed later.
"""

from __future__ import annotations

import fcntl
import os
import secrets
import shutil
import time
from pathlib import Path

from whoosh.index import FileIndex, create_in, exists_in, open_dir

from search_index.schema import RECORDS, SUBJECTS, record_schema, subject_schema

POINTER = "CURRENT"
KEEP_OLD_SECONDS = 600  # old versions may still be open in other workers


class IndexStore:
    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

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
        """A fresh directory with empty indexes, not yet live."""
        name = f"v-{time.strftime('%Y%m%dT%H%M%S')}-{secrets.token_hex(3)}"
        path = self.root / name
        path.mkdir(parents=True)
        create_in(str(path), subject_schema(), indexname=SUBJECTS)
        create_in(str(path), record_schema(), indexname=RECORDS)
        return path

    def swap(self, version: Path) -> None:
        """Make `version` live in one atomic step."""
        self.root.mkdir(parents=True, exist_ok=True)
        temporary = self.root / f".{POINTER}.{secrets.token_hex(4)}"
        temporary.write_text(version.name + "\n")
        os.replace(temporary, self.pointer)

    def open(self, version: Path, indexname: str) -> FileIndex:
        if not exists_in(str(version), indexname=indexname):
            schema = subject_schema() if indexname == SUBJECTS else record_schema()
            return create_in(str(version), schema, indexname=indexname)
        return open_dir(str(version), indexname=indexname)

    def remove_old_versions(self, keep_seconds: float = KEEP_OLD_SECONDS) -> list[str]:
        """Delete versions other than the live one that were last changed long enough ago."""
        live = self.current_name()
        removed = []
        for path in self.root.glob("v-*"):
            if path.name != live and time.time() - path.stat().st_mtime > keep_seconds:
                shutil.rmtree(path, ignore_errors=True)
                removed.append(path.name)
        return removed
