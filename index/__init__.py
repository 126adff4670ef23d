"""Building, publishing and loading the on-disk index.

An index root holds versioned builds and a `current` pointer:
    <root>/builds/<timestamp>/   one complete index folder each (see rag.store)
    <root>/current               symlink to the build in service, switched atomically
    <root>/build.lock            held while a build runs
"""

from rag.index.build import BuildReport, run_build
from rag.index.engine import Engine, NoIndexError
from rag.index.publish import BuildLocked, IndexRoot

__all__ = ["BuildLocked", "BuildReport", "Engine", "IndexRoot", "NoIndexError", "run_build"]
