"""The Daftar Data XLSX: a template with a guide, and the reader that checks every row.

An import is all or nothing: parse_plan_rows returns either the rows or a list of errors
(in Bahasa Indonesia, with the spreadsheet row number); the caller applies nothing when
there is any error.
"""

import io
from dataclasses import dataclass

import xlsxwriter
from django.utils import translation
from django.utils.translation import gettext as _

from satudata.accounts.models import Organization
from satudata.catalog.constants import Access
from satudata.catalog.models import Dataset
from satudata.ingest.read_sheet import cell_text

from .constants import DEFAULT_LAG_DAYS, MAX_YEAR, MIN_YEAR, Schedule

SHEET = "Daftar Data"
COLUMNS = [
    "perangkat_daerah",
    "tahun",
    "judul",
    "dataset",
    "klasifikasi",
    "data_prioritas",
    "jadwal",
    "jeda_hari",
    "catatan",
]
REQUIRED = {"perangkat_daerah", "tahun", "judul", "klasifikasi", "jadwal"}
MAX_ROWS = 5000
MAX_ERRORS = 200
YES = {"ya", "y", "true", "1"}
NO = {"tidak", "t", "false", "0", ""}


def column_guide():
    return [
        (
            "perangkat_daerah",
            _(
                "Wajib. Slug, singkatan atau nama perangkat daerah, persis seperti di portal (misalnya dinas-kesehatan)."
            ),
        ),
        ("tahun", _("Wajib. Tahun Daftar Data, 4 angka (misalnya 2027).")),
        (
            "judul",
            _(
                "Wajib. Judul data yang direncanakan; unik dalam satu Daftar Data. Judul yang sudah ada diperbarui."
            ),
        ),
        (
            "dataset",
            _(
                "Boleh kosong. Slug dataset di katalog milik perangkat daerah yang sama, bila sudah ada."
            ),
        ),
        ("klasifikasi", _("Wajib. Rencana klasifikasi akses: Terbuka, Terbatas atau Tertutup.")),
        ("data_prioritas", _("Ya atau Tidak (kosong berarti Tidak).")),
        ("jadwal", _("Wajib. Jadwal pemutakhiran: tahunan, semesteran, triwulanan atau bulanan.")),
        (
            "jeda_hari",
            _(
                "Boleh kosong (%(days)s). Hari setelah akhir periode sampai tanggal jatuh tempo, 0–366."
            )
            % {"days": DEFAULT_LAG_DAYS},
        ),
        ("catatan", _("Boleh kosong. Catatan untuk Produsen Data.")),
    ]


def template_xlsx() -> bytes:
    """The import template: a header row with dropdowns, an example row and a guide sheet."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(
        out,
        {
            "in_memory": True,
            "strings_to_numbers": False,
            "strings_to_formulas": False,
            "strings_to_urls": False,
        },
    )
    header = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    text = book.add_format({"num_format": "@"})
    bold = book.add_format({"bold": True})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    title = book.add_format({"bold": True, "font_size": 14})
    sheet = book.add_worksheet(SHEET)
    guide = book.add_worksheet(_("Petunjuk"))
    sheet.activate()
    for col, name in enumerate(COLUMNS):
        sheet.write_string(0, col, name, header)
        sheet.set_column(col, col, 40 if name in ("judul", "catatan") else 18, text)
    sheet.freeze_panes(1, 0)
    lists = {
        "klasifikasi": [str(a.label) for a in Access],
        "data_prioritas": [_("Ya"), _("Tidak")],
        "jadwal": [s.value for s in Schedule],
    }
    for name, values in lists.items():
        col = COLUMNS.index(name)
        sheet.data_validation(1, col, MAX_ROWS, col, {"validate": "list", "source": values})
    example = [
        "dinas-kesehatan",
        "2027",
        _("Jumlah tenaga kesehatan per kabupaten/kota (contoh)"),
        "",
        str(Access.OPEN.label),
        _("Tidak"),
        Schedule.YEARLY.value,
        str(DEFAULT_LAG_DAYS),
        _("Hapus baris contoh ini sebelum mengimpor."),
    ]
    for col, value in enumerate(example):
        sheet.write_string(1, col, value)
    guide.set_column(0, 0, 20)
    guide.set_column(1, 1, 100)
    guide.write_string(0, 0, _("Petunjuk impor Daftar Data"), title)
    intro = [
        _(
            "Isi satu baris per data yang direncanakan pada lembar “%(sheet)s”; jangan ubah baris judul kolom."
        )
        % {"sheet": SHEET},
        _("Satu berkas boleh memuat beberapa perangkat daerah dan tahun."),
        _(
            "Bila ada satu baris saja yang salah, tidak ada yang diimpor: portal menampilkan nomor baris dan kesalahannya."
        ),
        _(
            "Tanggal jatuh tempo tiap periode dihitung dari akhir periode ditambah jeda; Walidata dapat mengubahnya di portal."
        ),
    ]
    for row, line in enumerate(intro, 2):
        guide.write_string(row, 0, "•")
        guide.write_string(row, 1, line, wrap)
    start = len(intro) + 3
    guide.write_string(start, 0, _("Kolom"), bold)
    guide.write_string(start, 1, _("Isian"), bold)
    for row, (name, explanation) in enumerate(column_guide(), start + 1):
        guide.write_string(row, 0, name, bold)
        guide.write_string(row, 1, explanation, wrap)
    book.close()
    return out.getvalue()


@dataclass
class ImportRow:
    number: int
    organization: Organization
    year: int
    fields: dict


class ImportError_(Exception):
    """The file itself cannot be read (not XLSX, no sheet, wrong header)."""


def _organizations():
    found = {}
    for org in Organization.objects.all():
        for key in (org.slug, org.short_name, org.name):
            if key:
                found.setdefault(key.strip().lower(), org)
    return found


def _access(text):
    """The classification a cell names: its code, or its label in Indonesian (the template's
    words) or in the language of the page, so a sheet reads the same from either UI."""
    text = text.strip().lower()
    for access in Access:
        with translation.override("id"):
            indonesian = str(access.label).lower()
        if text in (access.value, indonesian, str(access.label).lower()):
            return access.value
    return None


def read_sheet_rows(data: bytes) -> list[tuple[int, list]]:
    """(spreadsheet row number, cells) of the Daftar Data sheet (or the first sheet)."""
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except Exception as error:
        raise ImportError_(
            _("Berkas tidak dapat dibaca sebagai XLSX. Gunakan templat dari portal.")
        ) from error
    names = book.sheet_names
    if not names:
        raise ImportError_(_("Buku kerja tidak berisi lembar."))
    name = SHEET if SHEET in names else names[0]
    rows = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
    return list(enumerate(rows, 1))


def parse_plan_rows(data: bytes) -> tuple[list[ImportRow], list[str]]:
    """Validate every row; returns (rows, errors). Apply the rows only when errors is empty."""
    rows = read_sheet_rows(data)
    if not rows:
        raise ImportError_(_("Lembar “%(sheet)s” kosong.") % {"sheet": SHEET})
    header = [(cell_text(v) or "").strip().lower() for v in rows[0][1]]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise ImportError_(
            _("Baris 1 harus memuat judul kolom templat; tidak ditemukan: %(columns)s.")
            % {"columns": ", ".join(missing)}
        )
    index = {name: header.index(name) for name in COLUMNS}
    organizations = _organizations()
    datasets = {}
    errors, parsed, seen = [], [], {}
    body = [(n, cells) for n, cells in rows[1:] if any(cell_text(v) for v in cells)]
    if not body:
        raise ImportError_(_("Tidak ada baris data di bawah judul kolom."))
    if len(body) > MAX_ROWS:
        raise ImportError_(_("Paling banyak %(n)s baris per impor.") % {"n": MAX_ROWS})
    for number, cells in body:
        values = {
            name: (cell_text(cells[i]) if i < len(cells) else None) or ""
            for name, i in index.items()
        }
        values = {k: v.strip() for k, v in values.items()}
        row_errors = []

        def error(message, _number=number, _errors=row_errors):
            _errors.append(_("Baris %(row)s: %(message)s") % {"row": _number, "message": message})

        for name in COLUMNS:
            if name in REQUIRED and not values[name]:
                error(_("kolom %(column)s wajib diisi.") % {"column": name})
        organization = organizations.get(values["perangkat_daerah"].lower())
        if values["perangkat_daerah"] and organization is None:
            error(
                _("perangkat daerah “%(value)s” tidak dikenal.")
                % {"value": values["perangkat_daerah"]}
            )
        year = None
        if values["tahun"]:
            try:
                year = int(values["tahun"])
            except ValueError:
                year = None
            if year is None or not MIN_YEAR <= year <= MAX_YEAR:
                error(
                    _("tahun “%(value)s” tidak sah (4 angka, %(min)s–%(max)s).")
                    % {"value": values["tahun"], "min": MIN_YEAR, "max": MAX_YEAR}
                )
                year = None
        title = values["judul"]
        if len(title) > 255:
            error(_("judul lebih dari 255 karakter."))
        access = _access(values["klasifikasi"]) if values["klasifikasi"] else None
        if values["klasifikasi"] and access is None:
            error(
                _("klasifikasi “%(value)s” tidak dikenal; pilih Terbuka, Terbatas atau Tertutup.")
                % {"value": values["klasifikasi"]}
            )
        schedule = values["jadwal"].lower()
        if schedule and schedule not in Schedule.values:
            error(
                _(
                    "jadwal “%(value)s” tidak dikenal; pilih tahunan, semesteran, triwulanan atau bulanan."
                )
                % {"value": values["jadwal"]}
            )
        priority = values["data_prioritas"].lower()
        if priority not in YES | NO:
            error(
                _("data_prioritas harus Ya atau Tidak, bukan “%(value)s”.")
                % {"value": values["data_prioritas"]}
            )
        lag = DEFAULT_LAG_DAYS
        if values["jeda_hari"]:
            try:
                lag = int(values["jeda_hari"])
            except ValueError:
                lag = -1
            if not 0 <= lag <= 366:
                error(
                    _("jeda_hari “%(value)s” harus bilangan bulat 0–366.")
                    % {"value": values["jeda_hari"]}
                )
        dataset = None
        if values["dataset"]:
            slug = values["dataset"]
            if slug not in datasets:
                datasets[slug] = Dataset.objects.filter(slug=slug).first()
            dataset = datasets[slug]
            if dataset is None:
                error(_("dataset “%(value)s” tidak ada di katalog.") % {"value": slug})
            elif organization is not None and dataset.organization_id != organization.pk:
                error(_("dataset “%(value)s” milik perangkat daerah lain.") % {"value": slug})
        if organization is not None and year is not None and title:
            key = (organization.pk, year, title.lower())
            if key in seen:
                error(
                    _(
                        "judul yang sama sudah ada di baris %(other)s untuk perangkat daerah dan tahun ini."
                    )
                    % {"other": seen[key]}
                )
            else:
                seen[key] = number
        if row_errors:
            errors.extend(row_errors)
            if len(errors) >= MAX_ERRORS:
                errors.append(
                    _("Pemeriksaan dihentikan setelah %(n)s kesalahan.") % {"n": MAX_ERRORS}
                )
                break
            continue
        parsed.append(
            ImportRow(
                number=number,
                organization=organization,
                year=year,
                fields={
                    "title": title,
                    "dataset": dataset,
                    "access": access,
                    "is_priority": priority in YES,
                    "schedule": schedule,
                    "lag_days": lag,
                    "notes": values["catatan"],
                },
            )
        )
    return parsed, errors
