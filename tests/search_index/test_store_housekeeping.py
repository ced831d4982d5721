"""Index housekeeping: versions removed once nothing reads them, partial versions of a
killed build cleared, build workers that die with their parent, a rebuild that checks the
disk first and leaves nothing behind when it fails."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path

import pytest

from search_index import store as store_module
from search_index.documents import SubjectDoc
from search_index.store import IndexSpaceError, IndexStore
from search_index.whoosh_backend import WhooshBackend
from search_index.whoosh_backend.engine import create_indexes

PROJECT = Path(__file__).resolve().parents[2]


def _store(root: Path) -> IndexStore:
    return IndexStore(root, initialise=create_indexes)


def _versions(root: Path) -> list[str]:
    return sorted(p.name for p in root.glob("v-*"))


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _wait(check, seconds: float) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.02)
    return False


def test_a_replaced_version_goes_once_its_last_reader_moves_on(tmp_path: Path) -> None:
    builder, worker = _store(tmp_path), _store(tmp_path)
    first = builder.live_dir()
    builder.release_all()  # the creating process moved on; a web worker reads it
    assert worker.hold(first)
    second = builder.new_version()
    builder.swap(second)
    assert builder.remove_old_versions() == []  # still read: kept
    assert _versions(tmp_path) == sorted([first.name, second.name])
    worker.release(first.name)  # the worker's next search opened the new version
    assert builder.remove_old_versions() == [first.name]
    assert _versions(tmp_path) == [second.name]


def test_the_engine_releases_the_old_version_and_removes_it(tmp_path: Path) -> None:
    engine = WhooshBackend(tmp_path)
    assert engine.search_subjects("黑河").total == 0  # opens and holds the first version
    first = engine.store.current_name()
    rebuilt = WhooshBackend(tmp_path)
    version = rebuilt.build([SubjectDoc(1, "黑河市新建公司", "黑河市新建公司")], [])
    rebuilt.swap(version)
    rebuilt.store.release_all()
    assert first in _versions(tmp_path)  # the engine still reads it
    assert engine.search_subjects("新建").total == 1  # moved on, and was the last reader
    assert _versions(tmp_path) == [version]
    engine.close()


def test_a_killed_builders_partial_version_is_removed(tmp_path: Path) -> None:
    live = _store(tmp_path).live_dir()
    script = ("import sys, time; from search_index.store import IndexStore; "
              "from search_index.whoosh_backend.engine import create_indexes; "
              "store = IndexStore(sys.argv[1], initialise=create_indexes); store.new_version(); "
              "print('built', flush=True); time.sleep(60)")
    child = subprocess.Popen([sys.executable, "-c", script, str(tmp_path)], cwd=PROJECT,
                             stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "built"
        partial = [v for v in _versions(tmp_path) if v != live.name]
        assert len(partial) == 1
        assert _store(tmp_path).remove_old_versions() == []  # its builder is alive: kept
    finally:
        child.kill()
        child.wait()
        child.stdout.close()  # type: ignore[union-attr]
    assert _store(tmp_path).remove_old_versions() == partial
    assert _versions(tmp_path) == [live.name]


def _slow_subjects(count: int) -> Iterator[SubjectDoc]:
    for n in range(count):
        time.sleep(0.002)
        yield SubjectDoc(n, f"黑河市慢速{n}号公司", f"黑河市慢速{n}号公司")


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux /proc")
def test_build_workers_die_with_a_killed_parent(tmp_path: Path) -> None:
    script = ("import sys, time\n"
              "from tests.search_index.test_store_housekeeping import _slow_subjects\n"
              "from search_index.whoosh_backend import WhooshBackend\n"
              "WhooshBackend(sys.argv[1]).build(_slow_subjects(100000), [], procs=2)\n")
    parent = subprocess.Popen([sys.executable, "-c", script, str(tmp_path)], cwd=PROJECT,
                              env={**os.environ, "PYTHONPATH": str(PROJECT)})
    try:
        assert _wait(lambda: len(_children(parent.pid)) >= 2, 60), "workers never started"
        workers = _children(parent.pid)
    finally:
        parent.send_signal(signal.SIGKILL)
        parent.wait()

    def gone() -> bool:
        return not any(Path(f"/proc/{pid}").exists() and "Z" not in
                       Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1][:3]
                       for pid in workers)

    try:
        assert _wait(gone, 5), "index workers outlived the killed build"
    finally:
        for pid in workers:
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
    assert _store(tmp_path).remove_old_versions()  # and its partial version goes


def test_a_failing_build_leaves_no_partial_version(tmp_path: Path) -> None:
    engine = WhooshBackend(tmp_path)
    live = engine.store.live_dir().name

    def full_disk() -> Iterator[SubjectDoc]:
        yield SubjectDoc(1, "黑河市甲公司", "黑河市甲公司")
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(OSError, match="No space"):
        engine.build(full_disk(), [])
    assert _versions(tmp_path) == [live]
    engine.close()


def test_rebuild_checks_the_free_space_first(tmp_path: Path, monkeypatch) -> None:
    store = _store(tmp_path)
    store.live_dir()
    store.check_space()  # plenty here
    monkeypatch.setattr(store_module, "MIN_FREE_BYTES", 1 << 60)
    with pytest.raises(IndexSpaceError) as refused:
        store.check_space()
    assert refused.value.errno == errno.ENOSPC
    assert "重建约需" in str(refused.value.strerror)


def test_stale_temporary_files_and_legacy_markers_are_cleared(tmp_path: Path) -> None:
    store = _store(tmp_path)
    live = store.live_dir()
    for path in (tmp_path / ".CURRENT.dead0001", live / ".SEQUENCE.dead0002",
                 tmp_path / "REBUILDING", tmp_path / "pending.log"):
        path.write_text("left by a killed process")
    old = time.time() - store_module.STALE_TEMPORARY_SECONDS - 5
    os.utime(tmp_path / ".CURRENT.dead0001", (old, old))
    os.utime(live / ".SEQUENCE.dead0002", (old, old))
    removed = store.remove_old_versions()
    assert sorted(removed) == sorted([".CURRENT.dead0001", f"{live.name}/.SEQUENCE.dead0002",
                                      "REBUILDING", "pending.log"])
    assert store.current_name() == live.name
