"""The column-schema editor: every edit round-trips into Resource.schema, bad edits are refused
next to their input with nothing changed, and a tightened contract re-checks the last upload."""

import io

import pytest
from django.urls import reverse

from satudata.audit.models import AuditEvent
from satudata.ingest.constants import RunStatus
from satudata.ingest.models import IngestRun

DATA = (
    b"kode_wilayah,nama_wilayah,tahun,jk,jumlah,tanggal\n"
    b"53.01,Kabupaten Kupang,2023,L,120,2023-12-31\n"
    b"53.10,Kabupaten Manggarai,2023,P,95,2023-12-31\n"
    b"53.71,Kota Kupang,2023,L,210,2023-12-31\n"
    b"53.01,Kabupaten Kupang,2024,P,130,2024-12-31\n"
    b"53.10,Kabupaten Manggarai,2024,L,99,2024-12-31\n"
    b"53.71,Kota Kupang,2024,P,220,2024-12-31\n"
)
COLUMNS = ["kode_wilayah", "nama_wilayah", "tahun", "jk", "jumlah", "tanggal"]


@pytest.fixture(autouse=True)
def immediate_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def editor(clients, catalog, django_capture_on_commit_callbacks):
    """The open dataset with DATA uploaded by Produsen A; returns (client, url, resource, capture)."""
    dataset = catalog["open"]
    resource = dataset.resources.get()
    client = clients["produsen_a"]
    upload = io.BytesIO(DATA)
    upload.name = "fasilitas.csv"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("ingest:upload", args=[dataset.slug]),
            {"resource": str(resource.pk), "file": upload},
        )
    run = IngestRun.objects.order_by("-id").first()
    assert run.status != RunStatus.FAILED, run.failure
    resource.refresh_from_db()
    url = reverse("ingest:schema", args=[dataset.slug, resource.pk])
    return client, url, resource, django_capture_on_commit_callbacks


def form_data(client, url, edits=None, table=None):
    """What the page's form posts as it is, with edits {column name: {form key: value or None}}."""
    page = client.get(url)
    assert page.status_code == 200
    initial = page.context["formset"].initial
    assert [f["name"] for f in initial] == COLUMNS
    data = {"form-TOTAL_FORMS": len(initial), "form-INITIAL_FORMS": len(initial)}
    data["tabel-missing_values"] = page.context["table_form"].initial["missing_values"]
    for i, column in enumerate(initial):
        values = {**column, **(edits or {}).get(column["name"], {})}
        for key, value in values.items():
            if value not in (False, None):
                data[f"form-{i}-{key}"] = "on" if value is True else value
    data.update(table or {})
    return data


def save(editor, edits=None, table=None):
    client, url, resource, capture = editor
    with capture(execute=True):
        response = client.post(url, form_data(client, url, edits, table))
    assert response.status_code == 302, errors_of(response)
    resource.refresh_from_db()
    return {f["name"]: f for f in resource.schema["fields"]}, resource.schema


def errors_of(response):
    if not getattr(response, "context", None) or "formset" not in response.context:
        return response
    return [f.errors for f in response.context["formset"].forms], response.context[
        "table_form"
    ].errors


# --- every edit round-trips -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "edits, column, expected",
    [
        ({"jk": {"enum": "L\nP"}}, "jk", {"constraints": {"enum": ["L", "P"]}}),
        ({"jk": {"enum": "L, P"}}, "jk", {"constraints": {"enum": ["L", "P"]}}),
        (
            {"jumlah": {"enum": "95, 99, 120, 130, 210, 220"}},
            "jumlah",
            {"constraints": {"enum": [95, 99, 120, 130, 210, 220]}},
        ),
        (
            {"nama_wilayah": {"pattern": r"^(Kabupaten|Kota) .+$"}},
            "nama_wilayah",
            {"constraints": {"pattern": r"^(Kabupaten|Kota) .+$"}},
        ),
        (
            {"jumlah": {"minimum": "0", "maximum": "1000"}},
            "jumlah",
            {"constraints": {"minimum": 0, "maximum": 1000}},
        ),
        (
            {"jumlah": {"type": "number", "minimum": "12,5"}},
            "jumlah",
            {"type": "number", "constraints": {"minimum": 12.5}},
        ),
        (
            {"tanggal": {"minimum": "2023-01-01", "maximum": "2024-12-31"}},
            "tanggal",
            {"constraints": {"minimum": "2023-01-01", "maximum": "2024-12-31"}},
        ),
        (
            {"tahun": {"minimum": "2000", "maximum": "2030"}},
            "tahun",
            {"constraints": {"minimum": 2000, "maximum": 2030}},
        ),
        ({"tanggal": {"format": "%d/%m/%Y"}}, "tanggal", {"type": "date", "format": "%d/%m/%Y"}),
        ({"jk": {"required": True}}, "jk", {"constraints": {"required": True}}),
        ({"nama_wilayah": {"unique": True}}, "nama_wilayah", {"constraints": {"unique": True}}),
        # the inferred minimum 0 must be cleared too: a bound on text is refused (tested below)
        ({"jumlah": {"type": "string", "minimum": ""}}, "jumlah", {"type": "string"}),
        ({"jumlah": {"title": "Jumlah fasilitas"}}, "jumlah", {"title": "Jumlah fasilitas"}),
        (
            {
                "jumlah": {
                    "definition": "Banyaknya fasilitas kesehatan aktif pada akhir tahun.",
                    "unit": "unit",
                    "measure": "jumlah",
                    "classification": "KBLI 2020: 86",
                }
            },
            "jumlah",
            {
                "definition": "Banyaknya fasilitas kesehatan aktif pada akhir tahun.",
                "unit": "unit",
                "measure": "jumlah",
                "classification": "KBLI 2020: 86",
            },
        ),
    ],
)
def test_each_edit_round_trips_into_the_resource_schema(editor, edits, column, expected):
    fields, _schema = save(editor, edits)
    field = fields[column]
    for key, value in expected.items():
        if key == "constraints":
            for name, bound in value.items():
                assert field["constraints"][name] == bound, field
        else:
            assert field[key] == value, field
    # and the editor shows the saved values again
    client, url, _resource, _capture = editor
    shown = {f["name"]: f for f in client.get(url).context["formset"].initial}[column]
    for key, value in {k: v for e in edits.values() for k, v in e.items()}.items():
        if key in ("enum",):
            assert shown[key].replace("\n", ", ") == value.replace("\n", ", ")
        elif key in ("required", "unique"):
            assert shown[key] is True
        elif key in ("minimum", "maximum") and value == "12,5":
            assert shown[key] == "12.5"
        else:
            assert shown[key] == value


def test_unticking_removes_a_constraint_and_other_keys_survive(editor):
    fields, _schema = save(editor, {"jk": {"required": True, "unique": True, "enum": "L\nP"}})
    assert fields["jk"]["constraints"] == {"required": True, "unique": True, "enum": ["L", "P"]}
    fields, _schema = save(editor, {"jk": {"required": None, "unique": None, "enum": ""}})
    assert fields["jk"]["constraints"] == {}
    # keys the editor does not show (roles, code system) are kept
    assert fields["kode_wilayah"]["satudata:role"] == "region_code"
    assert fields["kode_wilayah"]["type"] == "string"


def test_missing_values_and_primary_key_round_trip(editor):
    key_edits = {name: {"primary_key": name in ("kode_wilayah", "tahun")} for name in COLUMNS}
    fields, schema = save(editor, key_edits, {"tabel-missing_values": "-\nNA, n/a\n99"})
    assert schema["missingValues"] == ["", "-", "NA, n/a", "99"]  # one per line wins over commas
    assert schema["primaryKey"] == ["kode_wilayah", "tahun"]
    assert fields["tahun"]["constraints"]["required"] is True  # key columns are always required
    _fields, schema = save(editor, None, {"tabel-missing_values": "-, NA"})
    assert schema["missingValues"] == ["", "-", "NA"]


def test_removing_the_primary_key_keeps_it_removed_on_the_next_check(editor):
    _fields, schema = save(editor, {name: {"primary_key": False} for name in COLUMNS})
    assert schema["primaryKey"] == []
    rerun = IngestRun.objects.order_by("-id").first()
    assert not rerun.schema.get("primaryKey")  # not inferred again behind the Produsen's back


# --- invalid input is refused, next to its field, and changes nothing ----------------------------


@pytest.mark.parametrize(
    "edits, column, key, message",
    [
        (
            {"nama_wilayah": {"pattern": "([0-9]"}},
            "nama_wilayah",
            "pattern",
            "Pola (regex) untuk kolom “nama_wilayah” tidak sah",
        ),
        ({"nama_wilayah": {"pattern": "(?=K)Kota"}}, "nama_wilayah", "pattern", "lookahead"),
        ({"jumlah": {"pattern": r"^\d+$"}}, "jumlah", "pattern", "hanya berlaku untuk kolom teks"),
        (
            {"jumlah": {"minimum": "500", "maximum": "10"}},
            "jumlah",
            "minimum",
            "lebih besar dari batas atasnya",
        ),
        ({"jumlah": {"minimum": "nol"}}, "jumlah", "minimum", "tidak sesuai tipenya"),
        ({"tanggal": {"maximum": "31-31-2024"}}, "tanggal", "maximum", "tidak sesuai tipenya"),
        (
            {"jk": {"minimum": "A"}},
            "jk",
            "minimum",
            "hanya berlaku untuk kolom angka, tahun atau tanggal",
        ),
        ({"jumlah": {"enum": "95, sembilan puluh"}}, "jumlah", "enum", "“sembilan puluh”"),
        (
            {"jumlah": {"type": "number", "enum": "1.5\nbanyak"}},
            "jumlah",
            "enum",
            "tidak sesuai tipenya",
        ),
        ({"jk": {"enum": "L\nP\nL"}}, "jk", "enum", "nilai ganda"),
        ({"kode_wilayah": {"type": "integer"}}, "kode_wilayah", "type", "harus bertipe teks"),
        (
            {"kode_wilayah": {"type": "number"}},
            "kode_wilayah",
            "type",
            "agar 53.10 tidak berubah menjadi 53.1",
        ),
        ({"jumlah": {"type": "teks"}}, "jumlah", "type", "pilihan yang valid"),
    ],
)
def test_invalid_edits_are_refused_next_to_the_field_and_change_nothing(
    editor, edits, column, key, message
):
    client, url, resource, capture = editor
    before = resource.schema
    runs, events = (
        IngestRun.objects.count(),
        AuditEvent.objects.filter(action="schema.change").count(),
    )
    with capture(execute=True):
        response = client.post(url, form_data(client, url, edits))
    assert response.status_code == 400
    form = response.context["formset"].forms[COLUMNS.index(column)]
    assert any(message in error for error in form.errors.get(key, [])), form.errors
    page = response.content.decode()
    assert "Skema belum disimpan" in page and 'class="field-error"' in page
    resource.refresh_from_db()
    assert resource.schema == before
    assert IngestRun.objects.count() == runs
    assert AuditEvent.objects.filter(action="schema.change").count() == events


def test_a_changed_column_list_is_refused(editor):
    client, url, resource, capture = editor
    before = resource.schema
    data = form_data(client, url)
    data["form-1-name"] = "nama_baru"
    response = client.post(url, data)
    assert response.status_code == 400
    assert "Daftar kolom berubah" in response.content.decode()
    data = form_data(client, url)
    data["form-TOTAL_FORMS"] = 2
    assert client.post(url, data).status_code == 400
    resource.refresh_from_db()
    assert resource.schema == before


def test_too_many_missing_value_markers_are_refused(editor):
    client, url, resource, _capture = editor
    data = form_data(
        client, url, table={"tabel-missing_values": "\n".join(f"x{i}" for i in range(120))}
    )
    response = client.post(url, data)
    assert response.status_code == 400
    assert response.context["table_form"].errors["missing_values"]


def test_another_opd_cannot_edit_and_the_public_cannot_see_the_editor(editor, clients):
    _client, url, _resource, _capture = editor
    assert clients["produsen_b"].get(url).status_code == 403
    assert clients["publik"].get(url).status_code in (302, 403, 404)


def test_the_editor_works_without_javascript(editor):
    client, url, _resource, _capture = editor
    page = client.get(url).content.decode()
    start = page.index('<form method="post" class="stack schema-editor">')
    form = page[start : page.index("</form>", start)]
    assert "<script" not in form
    for name in (
        "form-4-enum",
        "form-4-minimum",
        "form-4-maximum",
        "form-1-pattern",
        "form-0-primary_key",
        "form-5-format",
        "form-4-unique",
        "form-4-definition",
        "tabel-missing_values",
    ):
        assert f'name="{name}"' in form


# --- a tighter contract re-checks the last upload -------------------------------------------------


def test_a_rerun_with_a_tightened_enum_and_range_reports_the_new_problems(editor):
    first = IngestRun.objects.order_by("-id").first()
    assert not first.problems.filter(code__in=("enum", "maximum", "minimum")).exists()
    save(editor, {"jk": {"enum": "L"}, "jumlah": {"minimum": "100", "maximum": "200"}})
    rerun = IngestRun.objects.order_by("-id").first()
    assert rerun.pk != first.pk and rerun.status == RunStatus.NEEDS_FIX
    problems = {(p.code, p.column) for p in rerun.problems.all()}
    assert ("enum", "jk") in problems
    assert ("maximum", "jumlah") in problems  # 210 and 220
    assert ("minimum", "jumlah") in problems  # 95 and 99
    enum = rerun.problems.filter(code="enum").first()
    assert "P" in enum.message or "P" in (enum.value or "")
    assert AuditEvent.objects.filter(action="schema.change").exists()
