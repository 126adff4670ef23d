"""`import rag` is the whole public surface: engine, records, settings, errors."""

import subprocess
import sys

import rag


def test_every_public_name_resolves_and_errors_share_one_base():
    for name in rag.__all__:
        assert getattr(rag, name) is not None, name
    errors = [getattr(rag, n) for n in rag.__all__ if n.endswith(("Error", "Locked", "Question", "BadArticle"))]
    assert len(errors) >= 12 and all(issubclass(e, rag.RagError) for e in errors)
    assert rag.BuildLocked.exit_code == rag.SyncLocked.exit_code == 75 and rag.EmptyQuestion.exit_code == 2


def test_import_rag_stays_light():
    code = "import sys, rag; assert not any(m in sys.modules for m in ('numpy', 'torch', 'rag.index')), sys.modules"
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0
