"""CKAN Action API benchmark: package_search latency and a full harvest over 10,000 datasets.

    make bench-ckan                 # DATASETS=10000 by default

Builds a throwaway SQLite catalog (bulk inserts: OPDs, topics, tags, one resource with one
published version per dataset; most Terbuka, some Terbatas/Tertutup/draft), then through
Django's test client (in process, the full middleware stack):
  * package_search p50/p95 over a mix of queries (free text, fq, facets, sorts, deep pages);
  * a harvest as ckanext-harvest does it: rows=100, start += 100, sort=id asc until an empty
    page, checking every Terbuka dataset came exactly once.
Goals: package_search p95 <= 50 ms, harvest <= 10 s. The last line printed is JSON.
"""

import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATASETS = int(os.environ.get("DATASETS", "10000"))
ROUNDS = int(os.environ.get("ROUNDS", "15"))
WORDS = (
    "penduduk miskin kemiskinan kesehatan gizi balita stunting sekolah guru murid jalan jembatan"
    " air bersih sanitasi listrik desa kecamatan kabupaten kota pertanian padi jagung ternak sapi"
    " ikan nelayan pariwisata hotel wisatawan inflasi harga pasar pendapatan belanja anggaran"
    " pegawai rumah sakit puskesmas bidan imunisasi kelahiran kematian perkawinan bencana banjir"
    " kekeringan hutan lahan curah hujan suhu pelabuhan kapal penumpang kendaraan pajak retribusi"
).split()


def setup_django():
    sys.path.insert(0, str(ROOT))
    os.environ["SATUDATA_VAR_DIR"] = tempfile.mkdtemp(prefix="bench-ckan-")
    os.environ.pop("SATUDATA_DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "satudata.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def build(n):
    from django.utils import timezone

    from satudata.accounts.models import Organization
    from satudata.catalog.constants import Access, ResourceKind, State
    from satudata.catalog.models import Dataset, Resource, ResourceVersion, Tag, Topic
    from satudata.lib.text import search_document
    from satudata.regions.models import Region

    rng = random.Random(7)
    now = timezone.now()
    region = Region.objects.create(code="53", name="Nusa Tenggara Timur", level=1, bps_code="53")
    orgs = Organization.objects.bulk_create(
        Organization(slug=f"opd-{i:02d}", name=f"Dinas {WORDS[i].title()} {i}", region=region)
        for i in range(40)
    )
    topics = Topic.objects.bulk_create(Topic(slug=f"topik-{w}", name=w.title()) for w in WORDS[:20])
    tags = Tag.objects.bulk_create(Tag(name=f"{w}-{i}") for i, w in enumerate(WORDS * 4))
    classes = [(Access.OPEN, State.PUBLISHED)] * 16 + [
        (Access.RESTRICTED, State.PUBLISHED),
        (Access.CLOSED, State.PUBLISHED),
        (Access.OPEN, State.DRAFT),
        (Access.OPEN, State.WITHDRAWN),
    ]
    datasets = []
    for i in range(n):
        title = " ".join(rng.sample(WORDS, 4)).capitalize() + f" {2015 + i % 10}"
        description = " ".join(rng.choices(WORDS, k=25))
        access, state = classes[i % len(classes)]
        datasets.append(
            Dataset(
                slug=f"dataset-{i:05d}",
                title=title,
                description=description,
                organization=orgs[i % len(orgs)],
                access=access,
                state=state,
                temporal_start=2015 + i % 10,
                temporal_end=2015 + i % 10,
                published_at=now if state == State.PUBLISHED else None,
                search_document=search_document(title, title, description),
                activity_metadata={"title": "Survei " + title, "year": 2015 + i % 10},
            )
        )
    datasets = Dataset.objects.bulk_create(datasets, batch_size=2000)
    Dataset.topics.through.objects.bulk_create(
        (
            Dataset.topics.through(dataset_id=d.pk, topic_id=topics[i % len(topics)].pk)
            for i, d in enumerate(datasets)
        ),
        batch_size=5000,
    )
    Dataset.tags.through.objects.bulk_create(
        (
            Dataset.tags.through(dataset_id=d.pk, tag_id=tags[(i * k) % len(tags)].pk)
            for i, d in enumerate(datasets)
            for k in (1, 7)
        ),
        batch_size=5000,
        ignore_conflicts=True,
    )
    resources = Resource.objects.bulk_create(
        (Resource(dataset=d, name=f"Tabel {d.title}", kind=ResourceKind.TABLE) for d in datasets),
        batch_size=2000,
    )
    ResourceVersion.objects.bulk_create(
        (
            ResourceVersion(
                resource=r,
                number=1,
                file_key=f"{r.pk:064x}",
                sha256=f"{r.pk:064x}",
                size=1000 + r.pk,
                original_name=f"tabel-{r.pk}.csv",
                format="CSV" if r.pk % 3 else "XLSX",
                media_type="text/csv",
                row_count=22,
                published_at=now,
            )
            for r in resources
        ),
        batch_size=2000,
    )
    return Dataset.objects.filter(access=Access.OPEN, state=State.PUBLISHED).count()


def queries(rng):
    facets = '["organization","groups","tags","res_format","license_id"]'
    return [
        {},
        {"q": "penduduk"},
        {"q": "kemiskinan kabupaten"},
        {"q": rng.choice(WORDS), "rows": 20},
        {"fq": f"organization:opd-{rng.randrange(40):02d}"},
        {"fq": f"tags:{WORDS[rng.randrange(20)]}-{rng.randrange(20)}"},
        {"fq": "res_format:XLSX", "sort": "metadata_modified desc"},
        {"facet.field": facets, "rows": 0},
        {"q": "kesehatan", "facet.field": facets},
        {"sort": "name asc", "start": rng.randrange(8000)},
        {"fq": "metadata_modified:[2020-01-01T00:00:00Z TO *]", "sort": "id asc", "rows": 100},
        {"q": "title:Penduduk*", "fq": "groups:topik-gizi"},
    ]


def main():
    setup_django()
    from django.test import Client

    started = time.perf_counter()
    open_count = build(DATASETS)
    build_seconds = time.perf_counter() - started
    client = Client()
    rng = random.Random(11)

    def get(params):
        response = client.get("/api/3/action/package_search", params)
        assert response.status_code == 200, response.content[:300]
        return json.loads(response.content)["result"]

    for params in queries(rng):  # warm up caches and the import of everything
        get(params)
    timings = []
    for _round in range(ROUNDS):
        for params in queries(rng):
            t0 = time.perf_counter()
            get(params)
            timings.append((time.perf_counter() - t0) * 1000)
    timings.sort()
    p50 = statistics.median(timings)
    p95 = timings[int(len(timings) * 0.95) - 1]

    t0 = time.perf_counter()
    seen, start, pages = [], 0, 0
    while True:
        page = get({"rows": 100, "start": start, "sort": "id asc"})["results"]
        pages += 1
        if not page:
            break
        seen.extend(d["id"] for d in page)
        start += 100
    harvest_seconds = time.perf_counter() - t0
    assert len(seen) == len(set(seen)) == open_count, (len(seen), len(set(seen)), open_count)

    result = {
        "datasets": DATASETS,
        "terbuka_datasets": open_count,
        "build_seconds": round(build_seconds, 1),
        "package_search_requests": len(timings),
        "package_search_p50_ms": round(p50, 1),
        "package_search_p95_ms": round(p95, 1),
        "package_search_max_ms": round(timings[-1], 1),
        "harvest_seconds": round(harvest_seconds, 2),
        "harvest_pages": pages,
        "harvested": len(seen),
        "goal_p95_ms": 50,
        "goal_harvest_seconds": 10,
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
