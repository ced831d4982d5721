"""whoosh reads a segment's memory-mapped files in place (fixes.MemoryReader), not from a
private copy of each: the same bytes as BytesIO would give, for every way whoosh reads."""

from __future__ import annotations

import io
import random
import resource

from whoosh.filedb.structfile import BufferFile

import search_index.whoosh_backend  # noqa: F401  (applies the fixes)
from search_index.whoosh_backend.fixes import MemoryReader


def test_memory_reader_reads_like_bytes_io() -> None:
    rng = random.Random(7)
    data = bytes(rng.randrange(256) for _ in range(5000)) + b"\nline\n\nlast"
    ours, stock = MemoryReader(memoryview(data)), io.BytesIO(data)
    for _ in range(2000):
        op = rng.choice(("read", "readline", "seek", "tell", "readall"))
        if op == "read":
            n = rng.randrange(-1, 300)
            assert ours.read(n) == stock.read(n)
        elif op == "readline":
            n = rng.choice((-1, rng.randrange(0, 50)))
            assert ours.readline(n) == stock.readline(n)
        elif op == "seek":
            whence = rng.choice((io.SEEK_SET, io.SEEK_CUR, io.SEEK_END))
            offset = rng.randrange(0, 6000) if whence == io.SEEK_SET else rng.randrange(-300, 300)
            if whence == io.SEEK_CUR and ours.tell() + offset < 0:
                continue
            if whence == io.SEEK_END and offset > 0:
                offset = -offset
            assert ours.seek(offset, whence) == stock.seek(offset, whence)
        elif op == "tell":
            assert ours.tell() == stock.tell()
        else:
            ours.seek(0)
            stock.seek(0)
            assert ours.read() == stock.read()


def test_a_buffer_file_does_not_copy_its_buffer() -> None:
    big = bytearray(64 * 1024 * 1024)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    files = [BufferFile(memoryview(big)) for _ in range(8)]  # BytesIO would copy 512 MB
    grown_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert grown_kb < 64 * 1024, f"{grown_kb} kB more after opening 8 views of 64 MB"
    assert files[3].get(10, 4) == b"\0\0\0\0" and files[5].read(3) == b"\0\0\0"

