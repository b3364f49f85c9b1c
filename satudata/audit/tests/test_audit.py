import pytest
from django.db import transaction

from satudata.audit.actions import record, verify_chain
from satudata.audit.models import AuditEvent


def test_it_chains_events_and_detects_tampering(cast, catalog):
    dataset = catalog["open"]
    with transaction.atomic():
        first = record(
            "schema.change", dataset, actor=cast["walidata"], before={"a": 1}, after={"a": 2}
        )
        second = record(
            "pii.override",
            dataset,
            actor=cast["walidata"],
            reason="alasan tertulis yang cukup panjang",
        )
    assert second.previous_hash == first.hash
    assert verify_chain() == (True, None)
    AuditEvent.objects.filter(pk=first.pk).update(reason="diubah diam-diam")
    assert verify_chain() == (False, first.pk)


@pytest.mark.django_db(transaction=True)
def test_it_refuses_unknown_actions_and_writes_outside_a_transaction(cast, catalog):
    with pytest.raises(ValueError), transaction.atomic():
        record("dataset.delete_everything", catalog["open"], actor=cast["admin"])
    with pytest.raises(RuntimeError):
        record("schema.change", catalog["open"], actor=cast["admin"])


def test_events_are_append_only(cast, catalog):
    with transaction.atomic():
        event = record("schema.change", catalog["open"], actor=cast["admin"])
    event.reason = "x"
    with pytest.raises(ValueError):
        event.save()
