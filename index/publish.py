"""Versioned builds, an atomically switched `current` pointer, rollback and a build lock."""

from __future__ import annotations

import datetime as dt
import fcntl
import os
import shutil
from contextlib import contextmanager
from pathlib import Path

from rag.errors import BuildLocked, IndexLoadError, RagError, unwritable
from rag.store import read_manifest

PARTIAL = ".partial"


class IndexRoot:
    def __init__(self, root: Path):
        self.root = root
        self.builds = root / "builds"
        self.pointer = root / "current"

    def current(self) -> Path | None:
        """The build folder in service, or None when nothing was published."""
        try:
            target = os.readlink(self.pointer)
        except (FileNotFoundError, OSError):
            return None
        path = (self.root / target).resolve()
        return path if path.is_dir() else None

    def new_build_dir(self) -> Path:
        self.builds.mkdir(parents=True, exist_ok=True)
        stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
        path = self.builds / (stamp + PARTIAL)
        path.mkdir()
        return path

    def finish(self, partial: Path) -> Path:
        final = partial.with_name(partial.name.removesuffix(PARTIAL))
        os.replace(partial, final)
        _fsync_dir(self.builds)
        return final

    def publish(self, build: Path) -> None:
        """Point `current` at `build` with one atomic rename."""
        tmp = self.root / f".current.{os.getpid()}"
        if tmp.is_symlink() or tmp.exists():
            tmp.unlink()
        os.symlink(Path("builds") / build.name, tmp)
        os.replace(tmp, self.pointer)
        _fsync_dir(self.root)

    def complete_builds(self) -> list[Path]:
        if not self.builds.is_dir():
            return []
        return sorted(p for p in self.builds.iterdir() if p.is_dir() and not p.name.endswith(PARTIAL))

    def rollback(self) -> Path:
        """Serve the build before the current one; returns it."""
        builds = self.complete_builds()
        current = self.current()
        older = [b for b in builds if current is None or b.name < current.name]
        for candidate in reversed(older):
            try:
                read_manifest(candidate)
            except IndexLoadError:
                continue
            self.publish(candidate)
            return candidate
        raise RagError("det finnes ikke noe tidligere bygg å gå tilbake til")

    def prune(self, keep: int) -> None:
        """Delete all but the newest `keep` builds (never the one in service) and the
        partial folders of killed builds. Call with the build lock held."""
        current = self.current()
        builds = self.complete_builds()
        for old in builds[: max(0, len(builds) - keep)]:
            if old != current:
                shutil.rmtree(old, ignore_errors=True)
        if self.builds.is_dir():
            for partial in self.builds.glob("*" + PARTIAL):
                shutil.rmtree(partial, ignore_errors=True)

    @contextmanager
    def lock(self):
        """Hold the build lock, or raise BuildLocked at once if another build has it."""
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            fh = open(self.root / "build.lock", "a+")
        except OSError as exc:
            raise unwritable(exc, self.root, "RAG_HOME (eller --index)") from exc
        try:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                fh.seek(0)
                raise BuildLocked(
                    f"et annet bygg kjører allerede ({fh.read().strip() or 'ukjent prosess'}); vent til det er ferdig og prøv igjen"
                ) from None
            fh.seek(0)
            fh.truncate()
            fh.write(f"pid {os.getpid()} since {dt.datetime.now().isoformat(timespec='seconds')}\n")
            fh.flush()
            yield
        finally:
            fh.close()


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
