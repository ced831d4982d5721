"""The sample files in tests/fixtures/imports (one per kind, as a department would send them)
import cleanly with the command, twice."""

from pathlib import Path

import pytest

from webapp.services.imports import KINDS

SAMPLES = Path(__file__).resolve().parent.parent / "fixtures" / "imports"


@pytest.mark.parametrize("kind", KINDS)
def test_sample_file_imports_cleanly_and_idempotently(app, kind: str) -> None:
    path = SAMPLES / f"{kind}.csv"
    runner = app.test_cli_runner()
    first = runner.invoke(args=["import-records", "--kind", kind, str(path)])
    assert first.exit_code == 0, first.output
    assert "新增6" in first.output and "拒绝0" in first.output
    second = runner.invoke(args=["import-records", "--kind", kind, str(path)])
    assert second.exit_code == 0 and "新增0，更新0，未变6" in second.output
