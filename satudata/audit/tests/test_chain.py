"""`satudata audit-verify` finds edited, inserted and deleted events (the newest too)."""

import hashlib
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction

from satudata.audit import chain
from satudata.audit.actions import record
from satudata.audit.models import AuditEvent


@pytest.fixture
def events(cast, catalog, django_capture_on_commit_callbacks):
    """Four events, committed (so witnessed) one by one."""
    made = []
    for n in range(4):
        with django_capture_on_commit_callbacks(execute=True):
            with transaction.atomic():
                made.append(
                    record("schema.change", catalog["open"], actor=cast["walidata"], after={"n": n})
                )
    return made


def verify(*args):
    """(exit status, output) of `satudata audit-verify`."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("audit_verify", *args, stdout=out, stderr=err)
    except CommandError as error:
        return error.returncode, str(error)
    return 0, out.getvalue()


def forged(event, **changes):
    """A copy of `event` with changes and a freshly computed plain SHA-256 hash (what someone
    with database access but no key can make)."""
    copy = AuditEvent(
        **{
            f.attname: getattr(event, f.attname)
            for f in AuditEvent._meta.concrete_fields
            if f.attname != "id"
        }
    )
    for name, value in changes.items():
        setattr(copy, name, value)
    copy.hash = copy.compute_hash()
    return copy


def test_an_intact_chain_reports_its_length_and_head(events):
    status, output = verify()
    assert status == 0
    assert f"rantai utuh: 4 peristiwa, kepala {events[-1].hash}" in output
    assert "4 peristiwa cocok dengan berkas saksi" in output
    assert chain.witness_path().read_text().count("\n") == 4


def test_an_edited_row_is_found(events):
    # An UPDATE straight to the table, bypassing the model's append-only save().
    AuditEvent.objects.filter(pk=events[1].pk).update(after={"n": 99})
    status, output = verify("--no-witness")
    assert status == 1
    assert f"peristiwa #{events[1].pk} (edited)" in output


def test_an_inserted_row_is_found(events):
    # Make room between two events, as a rolled-back transaction leaves on PostgreSQL.
    last = events[-1]
    AuditEvent.objects.filter(pk=last.pk).delete()
    moved = forged(last)
    moved.hash = last.hash  # the very same event, at a later id
    moved.id = last.pk + 10
    moved.save()
    intruder = forged(events[2], after={"n": "sisipan"}, previous_hash=events[2].hash)
    intruder.id = last.pk + 5
    intruder.save()
    status, output = verify("--no-witness")
    assert status == 1
    assert f"peristiwa #{intruder.pk} (inserted)" in output


def test_a_row_deleted_in_the_middle_is_found(events):
    AuditEvent.objects.filter(pk=events[1].pk).delete()
    status, output = verify("--no-witness")
    assert status == 1
    assert f"peristiwa #{events[2].pk} (deleted)" in output
    assert f"#{events[1].pk}–#{events[1].pk} tidak ada" in output


def test_the_newest_rows_deleted_are_found_by_the_witness(events):
    AuditEvent.objects.filter(pk__in=[events[2].pk, events[3].pk]).delete()
    # The chain alone cannot tell ...
    assert verify("--no-witness")[0] == 0
    # ... the witness file can, and names the first missing event.
    status, output = verify()
    assert status == 1
    assert f"peristiwa #{events[2].pk} (deleted)" in output


def test_a_recomputed_chain_is_found_by_the_witness(events):
    """Edit an event and recompute every hash after it: the chain verifies, the witness not."""
    previous = events[0].hash
    for event in AuditEvent.objects.filter(pk__gt=events[0].pk).order_by("id"):
        changes = {"previous_hash": previous}
        if event.pk == events[1].pk:
            changes["after"] = {"n": "diubah"}
        copy = forged(event, **changes)
        AuditEvent.objects.filter(pk=event.pk).update(
            after=copy.after, previous_hash=copy.previous_hash, hash=copy.hash
        )
        previous = copy.hash
    assert verify("--no-witness")[0] == 0
    status, output = verify()
    assert status == 1 and f"peristiwa #{events[1].pk} (witness_changed)" in output


def test_expect_head_finds_a_head_that_is_gone(events):
    status, output = verify("--anchor")
    assert status == 0 and f"kepala {events[-1].pk} {events[-1].hash}" in output
    AuditEvent.objects.filter(pk=events[-1].pk).delete()
    assert verify("--no-witness", "--expect-head", events[-1].hash)[0] == 1
    assert verify("--no-witness", "--expect-head", events[-2].hash)[0] == 0


def test_seed_witness_adds_events_made_before_the_file(events, settings, tmp_path):
    settings.AUDIT_WITNESS_FILE = str(tmp_path / "nieuw" / "saksi.log")
    status, output = verify("--seed-witness")
    assert status == 0 and "4 peristiwa ditambahkan" in output
    AuditEvent.objects.filter(pk=events[-1].pk).delete()
    assert verify()[0] == 1


# --- the HMAC key ----------------------------------------------------------------------------


def test_with_a_key_old_events_still_verify_and_new_ones_cannot_be_forged(
    events, settings, cast, catalog
):
    settings.AUDIT_HMAC_KEY = "kunci-uji-yang-panjang-dan-rahasia"
    with transaction.atomic():
        keyed = record("schema.change", catalog["open"], actor=cast["admin"], after={"k": 1})
    assert keyed.hash_scheme == 2 and events[0].hash_scheme == 1
    assert verify("--no-witness")[0] == 0
    # The HMAC is not a SHA-256 anyone can recompute.
    assert keyed.hash != forged(keyed, hash_scheme=1).hash
    # An edit recomputed with SHA-256 under scheme 2 does not match the HMAC ...
    body = forged(keyed, hash_scheme=1, after={"k": 2})
    AuditEvent.objects.filter(pk=keyed.pk).update(after={"k": 2}, hash=body.hash)
    status, output = verify("--no-witness")
    assert status == 1 and f"peristiwa #{keyed.pk} (edited)" in output


def test_a_downgrade_after_keyed_events_is_named(cast, catalog, settings):
    settings.AUDIT_HMAC_KEY = "kunci-uji-yang-panjang-dan-rahasia"
    with transaction.atomic():
        first = record("schema.change", catalog["open"], actor=cast["admin"])
        second = record("schema.change", catalog["open"], actor=cast["admin"], after={"a": 1})
    copy = forged(second, hash_scheme=1, after={"a": 2})
    AuditEvent.objects.filter(pk=second.pk).update(hash_scheme=1, after={"a": 2}, hash=copy.hash)
    assert copy.previous_hash == first.hash
    status, output = verify("--no-witness")
    assert status == 1 and f"peristiwa #{second.pk} (downgraded)" in output


def test_keyed_events_without_the_key_cannot_be_checked(cast, catalog, settings):
    settings.AUDIT_HMAC_KEY = "kunci-uji-yang-panjang-dan-rahasia"
    with transaction.atomic():
        record("schema.change", catalog["open"], actor=cast["admin"])
    settings.AUDIT_HMAC_KEY = ""
    status, output = verify("--no-witness")
    assert status == 2 and "(no_key)" in output


def test_the_plain_scheme_is_the_documented_sha256(events):
    """Scheme 1 stays exactly what events made before this change were hashed with."""
    e = AuditEvent.objects.get(pk=events[0].pk)
    body = {
        "created_at": e.created_at.isoformat(),
        "actor": e.actor_id,
        "actor_name": e.actor_name,
        "action": e.action,
        "target": [e.target_type, e.target_id, e.target_label],
        "ip": e.ip_address,
        "before": e.before,
        "after": e.after,
        "reason": e.reason,
        "previous": e.previous_hash,
    }
    digest = hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()
    assert e.hash_scheme == 1 and e.hash == digest
