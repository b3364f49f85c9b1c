"""The orphan sweeper: removes stored files no database row refers to, once they are old.

A crash (or a refused upload) between the durable write of a file and the commit of the row
that refers to it leaves an orphan: a file in the store that nothing references. Orphans are
harmless but take space, so `satudata sweep-orphans` removes them — only those older than a
threshold, because a file just written by an upload whose transaction has not committed yet
is also unreferenced for a moment. The threshold must be longer than the longest time between
storing a file and committing its row (an upload, or the processing of a large file); the
default of 24 hours is far beyond both.

Order matters: the cutoff is taken first, then the references are read, then the store is
listed. A file stored after the cutoff is young whatever the rest of the run sees; put()
refreshes the time of content that was already stored, and filestore.delete() checks the time
again under the store's lock, so content stored again while the sweeper runs is kept.

The sweeper only uses filestore.iter_keys(), modified_time(), delete() and stale_tmp_files(),
so another storage backend works the same. It audits nothing (housekeeping, not a change to
the portal's data) but logs and returns its counts.
"""

from __future__ import annotations

import logging
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

from . import filestore
from .backup import referenced_keys

log = logging.getLogger(__name__)


@dataclass
class SweepResult:
    stored: int = 0
    referenced: int = 0
    removed: list[str] = field(default_factory=list)  # orphans removed (or, dry run, to remove)
    young: int = 0  # orphans kept because they are younger than the threshold
    tmp_removed: int = 0  # stale temporary files and ingestion work directories
    dry_run: bool = False

    def as_dict(self) -> dict:
        return {
            "stored": self.stored,
            "referenced": self.referenced,
            "orphans_removed": len(self.removed),
            "orphans_young": self.young,
            "tmp_removed": self.tmp_removed,
            "dry_run": self.dry_run,
        }


def sweep_orphans(*, older_than_hours: float = 24.0, dry_run: bool = False) -> SweepResult:
    """Remove unreferenced stored files older than the threshold, and stale temporary files."""
    if older_than_hours < 0:
        raise ValueError("older_than_hours must not be negative")
    cutoff = time.time() - older_than_hours * 3600  # first: see the module docstring
    result = SweepResult(dry_run=dry_run)
    referenced = set(referenced_keys())
    for key in filestore.iter_keys():
        result.stored += 1
        if key in referenced:
            result.referenced += 1
            continue
        try:
            old = filestore.modified_time(key) < cutoff
        except FileNotFoundError:
            continue
        if not old:
            result.young += 1
        elif dry_run or filestore.delete(key, unless_modified_after=cutoff):
            result.removed.append(key)
        else:
            result.young += 1  # stored again meanwhile
    result.tmp_removed = _sweep_tmp(cutoff, dry_run)
    log.info(
        "sweep-orphans%s: %d stored, %d referenced, %d orphans removed, %d young kept, "
        "%d temporary removed",
        " (dry run)" if dry_run else "",
        result.stored,
        result.referenced,
        len(result.removed),
        result.young,
        result.tmp_removed,
    )
    return result


def _sweep_tmp(cutoff: float, dry_run: bool) -> int:
    count = 0
    for path in filestore.stale_tmp_files(cutoff):
        count += 1
        if not dry_run:
            path.unlink(missing_ok=True)
    # Work directories of ingestion runs whose worker was killed (ingest.actions.process_run
    # removes its own when it ends): only when nothing in them was written after the cutoff.
    work = Path(settings.VAR_DIR) / "tmp"
    if work.is_dir():
        for directory in work.glob("run-*"):
            if directory.is_dir() and _newest_mtime(directory) < cutoff:
                count += 1
                if not dry_run:
                    shutil.rmtree(directory, ignore_errors=True)
    return count


def _newest_mtime(directory: Path) -> float:
    newest = directory.stat().st_mtime
    for path in directory.rglob("*"):
        try:
            newest = max(newest, path.stat().st_mtime)
        except FileNotFoundError:
            continue
    return newest
