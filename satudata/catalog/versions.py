"""The dataset metadata a version carries, and how two such snapshots differ.

A version stores snapshot() of its dataset's metadata when it is created and, once, when it is
published (ingest.actions.publish_version); the version page shows it and diff.py compares the
snapshots of two versions key by key with the labels of the metadata form.
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .constants import MS_IND_FIELDS, MS_KEG_FIELDS, Access, License, UpdateFrequency


def metadata_snapshot(dataset):
    """The dataset's tracked metadata as JSON (the same shape the audit trail records)."""
    from .editing import snapshot  # editing imports catalog.actions, which imports this module

    return snapshot(dataset)


# Labels of the top-level keys of a snapshot (the metadata form's words).
LABELS = {
    "title": gettext_lazy("Judul"),
    "description": gettext_lazy("Deskripsi"),
    "organization": gettext_lazy("OPD produsen"),
    "topics": gettext_lazy("Topik"),
    "tags": gettext_lazy("Tag"),
    "license": gettext_lazy("Lisensi"),
    "update_frequency": gettext_lazy("Frekuensi pemutakhiran"),
    "temporal_start": gettext_lazy("Cakupan waktu dari tahun"),
    "temporal_end": gettext_lazy("Cakupan waktu sampai tahun"),
    "spatial_coverage": gettext_lazy("Cakupan wilayah"),
    "spatial_level": gettext_lazy("Tingkat penyajian wilayah"),
    "access": gettext_lazy("Klasifikasi akses"),
    "is_priority": gettext_lazy("Data Prioritas"),
    "contact_name": gettext_lazy("Nama kontak"),
    "contact_email": gettext_lazy("Surel kontak"),
    "source": gettext_lazy("Sumber data"),
    "unit": gettext_lazy("Satuan"),
    "measure": gettext_lazy("Ukuran"),
}
# Nested blocks: key -> (block label, labels of the block's keys).
BLOCKS = {
    "activity_metadata": (gettext_lazy("Metadata kegiatan"), MS_KEG_FIELDS),
    "indicator_metadata": (gettext_lazy("Metadata indikator"), MS_IND_FIELDS),
}
CHOICES = {"license": License, "update_frequency": UpdateFrequency, "access": Access}


def display(key, value):
    """A snapshot value as text for a person: choice labels, Ya/Tidak, lists joined."""
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if key == "spatial_level":
        from satudata.regions.constants import Level

        try:
            return str(Level(value).label)
        except ValueError:
            return str(value)
    if key in CHOICES:
        try:
            return str(CHOICES[key](value).label)
        except ValueError:
            return str(value)
    if key in NAMED:
        return NAMED[key](value)
    if isinstance(value, bool):
        return _("Ya") if value else _("Tidak")
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {display(k, v)}" for k, v in sorted(value.items()))
    return str(value)


def _organization(slug):
    from satudata.accounts.models import Organization

    name = Organization.objects.filter(slug=slug).values_list("name", flat=True).first()
    return name or str(slug)


def _topics(slugs):
    from .models import Topic

    names = dict(Topic.objects.filter(slug__in=slugs).values_list("slug", "name"))
    return ", ".join(names.get(slug, slug) for slug in slugs)


def _region(code):
    from satudata.regions.models import Region

    name = Region.objects.filter(pk=code).values_list("name", flat=True).first()
    return f"{name} ({code})" if name else str(code)


# Snapshot keys kept as slugs or codes, shown by name (the slug or code when it is gone).
NAMED = {"organization": _organization, "topics": _topics, "spatial_coverage": _region}


@dataclass(frozen=True)
class MetadataChange:
    key: str
    label: str
    old: str
    new: str


def _label(key):
    return str(LABELS.get(key, key))


def metadata_changes(old: dict, new: dict) -> list[MetadataChange]:
    """Every key whose value differs between two snapshots, in the form's order."""
    old, new = old or {}, new or {}
    keys = [k for k in LABELS if k in old or k in new]
    keys += sorted(k for k in set(old) | set(new) if k not in LABELS and k not in BLOCKS)
    found = []
    for key in keys:
        if old.get(key) != new.get(key):
            found.append(
                MetadataChange(
                    key, _label(key), display(key, old.get(key)), display(key, new.get(key))
                )
            )
    for key, (block_label, labels) in BLOCKS.items():
        a, b = old.get(key) or {}, new.get(key) or {}
        if not isinstance(a, dict) or not isinstance(b, dict):
            if a != b:
                found.append(
                    MetadataChange(key, str(block_label), display(key, a), display(key, b))
                )
            continue
        inner = [k for k in labels if k in a or k in b]
        inner += sorted(k for k in set(a) | set(b) if k not in labels)
        for sub in inner:
            if a.get(sub) != b.get(sub):
                label = f"{block_label}: {labels.get(sub, sub)}"
                found.append(
                    MetadataChange(
                        f"{key}.{sub}", label, display(sub, a.get(sub)), display(sub, b.get(sub))
                    )
                )
    return found


def labelled_metadata(snapshot: dict) -> list[tuple[str, str]]:
    """(label, text) of every non-empty key of a snapshot, for the version page."""
    rows = []
    for key in LABELS:
        if key in snapshot and snapshot[key] not in (None, "", [], {}):
            rows.append((_label(key), display(key, snapshot[key])))
    for key, (block_label, labels) in BLOCKS.items():
        block = snapshot.get(key) or {}
        if isinstance(block, dict):
            for sub, value in block.items():
                if value not in (None, "", [], {}):
                    rows.append((f"{block_label}: {labels.get(sub, sub)}", display(sub, value)))
    return rows
