"""The audit hash chain: its key, the witness file outside the database, and verification.

A chain alone shows an edited event (its hash no longer matches), an inserted one and one
deleted in the middle (the next event's previous_hash points elsewhere). It cannot show that
the newest events were deleted, and anyone who can write the database can recompute plain
SHA-256 hashes. Two things outside the database close those gaps:

* the witness file (settings.AUDIT_WITNESS_FILE): after each commit one line
  "<id> <hash> <created_at> <scheme>" is appended and fsync'd; a witnessed event that is
  missing or has another hash is tampering;
* the HMAC key (settings.AUDIT_HMAC_KEY): new events are hashed with HMAC-SHA256 (scheme 2),
  which cannot be recomputed without the key. Events made before the key existed keep
  scheme 1 and still verify; a scheme-1 event after a scheme-2 one is a downgrade.
"""

import bisect
import logging
import os
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from .models import SCHEME_HMAC, SCHEME_SHA256, AuditCheckpoint, AuditEvent, MissingKey

log = logging.getLogger(__name__)

# How many recent hashes are kept to tell an inserted event from a deleted one.
RECENT = 1000


def hmac_key():
    """The HMAC key as bytes, or None when none is configured."""
    key = getattr(settings, "AUDIT_HMAC_KEY", "") or ""
    return key.encode() if key else None


def current_scheme():
    return SCHEME_HMAC if hmac_key() else SCHEME_SHA256


def witness_path():
    value = getattr(settings, "AUDIT_WITNESS_FILE", "") or ""
    return Path(value) if value else None


def witness_line(event):
    return f"{event.id} {event.hash} {event.created_at.isoformat()} {event.hash_scheme}\n"


def append_witness(events):
    """Append the events' lines to the witness file and fsync it (called after commit)."""
    path = witness_path()
    if path is None or not events:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    data = "".join(witness_line(e) for e in events).encode()
    # O_APPEND: each write lands at the end, also with several processes writing.
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)


def read_witness(path):
    """({event id: hash}, number of lines that could not be read)."""
    found, bad = {}, 0
    with open(path, encoding="utf-8", errors="replace") as handle:
        for line in handle:
            parts = line.split()
            if len(parts) < 2 or not parts[0].isdigit() or len(parts[1]) != 64:
                bad += 1
                continue
            event_id = int(parts[0])
            if event_id in found and found[event_id] != parts[1]:
                # Two different hashes for one id: keep both visible as a conflict.
                found[event_id] = "conflict"
            else:
                found[event_id] = parts[1]
    return found, bad


@dataclass
class Finding:
    event_id: int
    kind: str  # edited, inserted, deleted, downgraded, no_key, witness_changed, head_missing
    message: str


@dataclass
class Result:
    ok: bool = True
    count: int = 0
    head_id: int | None = None
    head_hash: str = ""
    finding: Finding | None = None
    witness: str = ""  # path of the witness file used, "" when none
    witnessed: int = 0  # events matched against a witness line
    witness_bad_lines: int = 0
    notes: list = field(default_factory=list)

    def summary(self):
        if self.ok:
            return f"rantai utuh: {self.count} peristiwa, kepala {self.head_hash or '-'}"
        f = self.finding
        return f"rantai rusak: peristiwa #{f.event_id} ({f.kind}): {f.message}"


def _fail(result, event_id, kind, message):
    result.ok = False
    result.finding = Finding(event_id, kind, message)
    return result


def verify(*, since=None, use_witness=True, expect_head=None, key=None):
    """Walk the chain (from the checkpoint `since`, else from the start) and compare it with
    the witness file. Stops at the first broken event."""
    key = hmac_key() if key is None else key
    result = Result()
    witnessed, witness_ids = {}, []
    path = witness_path() if use_witness else None
    if path is not None and path.exists():
        witnessed, result.witness_bad_lines = read_witness(path)
        witness_ids = sorted(witnessed)
        result.witness = str(path)
    elif use_witness:
        result.notes.append("tanpa berkas saksi")

    previous, prev_id = "", 0
    events = AuditEvent.objects.order_by("id")
    if since is not None:
        start = AuditEvent.objects.filter(pk=since.event_id).first()
        if start is None or start.hash != since.event_hash:
            return _fail(
                result,
                since.event_id,
                "deleted" if start is None else "edited",
                "peristiwa titik periksa hilang atau berubah sejak pemeriksaan terakhir",
            )
        previous, prev_id = start.hash, start.id
        events = events.filter(id__gt=start.id)
        result.count = since.count
        result.head_id, result.head_hash = start.id, start.hash
    recent = deque(maxlen=RECENT)  # (id, hash) of the events just walked
    seen_hmac = False
    for event in events.iterator(chunk_size=2000):
        # Witnessed events between the previous event and this one are gone.
        at = bisect.bisect_right(witness_ids, prev_id)
        if at < len(witness_ids) and witness_ids[at] < event.id:
            return _fail(
                result,
                witness_ids[at],
                "deleted",
                "tercatat di berkas saksi tetapi tidak ada lagi di basis data: dihapus",
            )
        if event.previous_hash != previous:
            pointed = next((i for i, h in recent if h == event.previous_hash), None)
            if pointed is not None:
                first = next(i for i, _h in recent if i > pointed)
                return _fail(
                    result,
                    first,
                    "inserted",
                    f"disisipkan: peristiwa #{event.id} menunjuk peristiwa #{pointed}, "
                    f"jadi peristiwa #{first}–#{prev_id} tidak ada dalam rantai asli",
                )
            gap = (
                f" (nomor #{prev_id + 1}–#{event.id - 1} tidak ada)"
                if event.id > prev_id + 1
                else ""
            )
            return _fail(
                result,
                event.id,
                "deleted",
                "previous_hash tidak cocok dengan peristiwa sebelumnya"
                f"{f' (#{prev_id})' if prev_id else ''}: peristiwa sebelumnya dihapus "
                f"atau diganti{gap}",
            )
        if event.hash_scheme == SCHEME_HMAC:
            seen_hmac = True
        elif event.hash_scheme == SCHEME_SHA256 and seen_hmac:
            return _fail(
                result,
                event.id,
                "downgraded",
                "skema hash turun dari HMAC ke SHA-256: peristiwa dihitung ulang tanpa kunci",
            )
        try:
            expected = event.compute_hash(key)
        except MissingKey:
            return _fail(
                result,
                event.id,
                "no_key",
                "peristiwa memakai HMAC tetapi SATUDATA_AUDIT_HMAC_KEY tidak diatur: "
                "tidak dapat diperiksa",
            )
        except ValueError:
            expected = None
        if expected != event.hash:
            return _fail(
                result,
                event.id,
                "edited",
                "isi peristiwa tidak cocok dengan hash-nya: diubah setelah dicatat",
            )
        if event.id in witnessed:
            if witnessed[event.id] != event.hash:
                return _fail(
                    result,
                    event.id,
                    "witness_changed",
                    "hash berbeda dengan berkas saksi: peristiwa (dan rantai sesudahnya) "
                    "dihitung ulang",
                )
            result.witnessed += 1
        recent.append((event.id, event.hash))
        previous, prev_id = event.hash, event.id
        result.count += 1
        result.head_id, result.head_hash = event.id, event.hash
    # Witnessed events after the head: the newest events were deleted.
    at = bisect.bisect_right(witness_ids, prev_id)
    if at < len(witness_ids):
        return _fail(
            result,
            witness_ids[at],
            "deleted",
            "tercatat di berkas saksi tetapi tidak ada lagi di basis data: peristiwa "
            "terakhir dihapus",
        )
    if expect_head and not AuditEvent.objects.filter(hash=expect_head).exists():
        return _fail(
            result,
            result.head_id or 0,
            "head_missing",
            f"kepala yang disimpan operator ({expect_head[:16]}…) tidak ada dalam rantai: "
            "peristiwa dihapus atau rantai dihitung ulang",
        )
    if result.witness_bad_lines:
        result.notes.append(f"{result.witness_bad_lines} baris berkas saksi tidak terbaca")
    return result


def save_checkpoint(result, *, full=True):
    """Remember the head of a chain found intact (one row, overwritten); `full` when the
    whole chain was walked."""
    if not result.ok or result.head_id is None:
        return None
    checkpoint = AuditCheckpoint.objects.order_by("-id").first() or AuditCheckpoint()
    now = timezone.now()
    checkpoint.event_id = result.head_id
    checkpoint.event_hash = result.head_hash
    checkpoint.count = result.count
    checkpoint.verified_at = now
    if full:
        checkpoint.full_verified_at = now
    checkpoint.save()
    return checkpoint


def verify_since_checkpoint():
    """(result, checkpoint, whether the whole chain was walked): check the events after the
    checkpoint (all of them when there is none yet) and move the checkpoint to the head when
    they are intact."""
    checkpoint = AuditCheckpoint.objects.order_by("-id").first()
    full = checkpoint is None
    result = verify(since=checkpoint, use_witness=True)
    if result.ok and result.head_id is not None:
        checkpoint = save_checkpoint(result, full=full)
    return result, checkpoint, full
