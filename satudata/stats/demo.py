"""Synthetic indicators ("data contoh") over the NTT demo datasets; called by `satudata demo`."""

from __future__ import annotations

from django.db import transaction

from satudata.catalog.models import Dataset

from .models import Aggregation, Indicator

# (dataset slug, indicator slug, aggregation, Indikator Utama position or None)
FED = [
    ("persentase-penduduk-miskin", "persentase-penduduk-miskin", Aggregation.MEAN, 1),
    ("prevalensi-balita-stunting", "prevalensi-balita-stunting", Aggregation.MEAN, 2),
    ("indeks-pembangunan-manusia", "indeks-pembangunan-manusia", Aggregation.MEAN, 3),
    ("tingkat-pengangguran-terbuka", "tingkat-pengangguran-terbuka", Aggregation.MEAN, 4),
    ("laju-pertumbuhan-ekonomi", "laju-pertumbuhan-ekonomi", Aggregation.MEAN, 5),
    ("jumlah-penduduk", "jumlah-penduduk", Aggregation.SUM, 6),
    ("jumlah-sekolah", "jumlah-sekolah", Aggregation.SUM, None),
    ("jumlah-guru", "jumlah-guru", Aggregation.SUM, None),
    (
        "rekap-penerima-bansos-pangan-terbatas",
        "keluarga-penerima-bansos-pangan",
        Aggregation.SUM,
        8,
    ),
]
MEAN_NOTE = (
    " Nilai provinsi pada data contoh ini adalah rata-rata sederhana kabupaten/kota, bukan "
    "angka provinsi resmi."
)


def _fed(dataset, slug, aggregation, position):
    from satudata.portal.demo import SPECS

    spec = next(s for s in SPECS if s.slug == dataset.slug)
    meta = dataset.indicator_metadata or {}
    resource = dataset.resources.filter(kind="table").order_by("position", "id").first()
    m = spec.value
    title = m.title + (" (Terbatas)" if dataset.access != "open" else "")
    return Indicator.objects.create(
        slug=slug,
        name=title,
        organization=dataset.organization,
        access=dataset.access,
        is_published=True,
        is_demo=True,
        concept=meta.get("concept", ""),
        definition=meta.get("definition", m.definition),
        interpretation=meta.get("interpretation", ""),
        method=meta.get("formula", "") + (MEAN_NOTE if aggregation == Aggregation.MEAN else ""),
        measure=meta.get("measure", m.measure),
        unit=meta.get("unit", m.unit),
        presentation=meta.get("presentation", "Kabupaten/kota")
        + (f"; {spec.category.title.lower()}" if spec.category else ""),
        estimation_level=meta.get("estimation_level", "Kabupaten/kota"),
        decimals=m.decimals,
        resource=resource,
        region_column="kode_kabupaten_kota",
        period_column="tahun",
        value_column=m.column,
        breakdown_columns=[spec.category.column] if spec.category else [],
        aggregation=aggregation,
        is_key=position is not None,
        position=position or 100,
    )


def load_indicators():
    """Create the demo indicators that are missing; returns how many were created."""
    created = 0
    with transaction.atomic():
        datasets = {d.slug: d for d in Dataset.objects.filter(slug__in=[f[0] for f in FED])}
        made = {}
        for dataset_slug, slug, aggregation, position in FED:
            found = Indicator.objects.filter(slug=slug).first()
            if found is None and dataset_slug in datasets:
                found = _fed(datasets[dataset_slug], slug, aggregation, position)
                created += 1
            made[slug] = found
        if (
            not Indicator.objects.filter(slug="rasio-guru-per-sekolah").exists()
            and made.get("jumlah-guru")
            and made.get("jumlah-sekolah")
        ):
            ratio = Indicator.objects.create(
                slug="rasio-guru-per-sekolah",
                name="Rasio Guru per Sekolah",
                organization=made["jumlah-guru"].organization,
                is_published=True,
                is_demo=True,
                concept="Ketersediaan tenaga pendidik dibandingkan dengan jumlah satuan pendidikan.",
                definition="Banyaknya guru dibagi banyaknya sekolah pada semua jenjang.",
                interpretation="Semakin tinggi rasio, semakin banyak guru yang tersedia per sekolah.",
                method="Jumlah guru / jumlah sekolah (nilai provinsi: jumlah guru provinsi / jumlah sekolah provinsi)",
                measure="Rasio",
                unit="guru per sekolah",
                presentation="Kabupaten/kota",
                estimation_level="Kabupaten/kota",
                decimals=1,
                formula="jumlah_guru / jumlah_sekolah",
                is_key=True,
                position=7,
            )
            ratio.components.set([made["jumlah-guru"], made["jumlah-sekolah"]])
            created += 1
    return created
