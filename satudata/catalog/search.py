"""Full-text search over datasets on SQLite (FTS5) and PostgreSQL (tsvector), same results.

Both engines index `Dataset.search_document`, which holds stems only, and both are asked
for documents containing every stem of the query (AND). Stems are [0-9a-z]+ tokens, so
the query strings cannot carry operators; they are still passed as bound parameters.
"""

from collections import Counter
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Count, F, FloatField, Q, Value
from django.db.models.expressions import RawSQL

from satudata.accounts.permissions import can
from satudata.lib.text import stems

from .constants import Access
from .models import Dataset, ResourceVersion


def query_stems(q: str, limit: int) -> list[str]:
    seen = []
    for s in stems(q[:limit]):
        if s not in seen:
            seen.append(s)
    return seen[:32]


def filter_datasets(queryset, q: str, limit: int = 200):
    """Datasets of `queryset` matching `q`, annotated with `rank` (higher is better)."""
    words = query_stems(q, limit)
    if not words:
        # keep the `rank` annotation: callers order by it (a query of only symbols has no stems)
        return queryset.annotate(rank=Value(0.0, output_field=FloatField())).none()
    if connection.vendor == "postgresql":
        tsquery = " & ".join(words)
        match = "to_tsvector('simple', catalog_dataset.search_document) @@ to_tsquery('simple', %s)"
        rank = "ts_rank(to_tsvector('simple', catalog_dataset.search_document), to_tsquery('simple', %s))"
        return queryset.filter(
            pk__in=RawSQL(f"SELECT id FROM catalog_dataset WHERE {match}", [tsquery])  # nosec B608, B611  # constant SQL text; the search words are bound parameters
        ).annotate(rank=RawSQL(rank, [tsquery], output_field=FloatField()))  # nosec B611  # constant SQL text; the search words are bound parameters
    fts = " ".join(f'"{w}"' for w in words)
    return queryset.filter(
        pk__in=RawSQL(
            "SELECT rowid FROM catalog_dataset_fts WHERE catalog_dataset_fts MATCH %s", [fts]
        )
    ).annotate(
        # bm25() is lower for better matches; negate it so both engines sort rank descending.
        rank=RawSQL(
            "(SELECT -bm25(catalog_dataset_fts) FROM catalog_dataset_fts"
            " WHERE catalog_dataset_fts MATCH %s AND rowid = catalog_dataset.id)",
            [fts],
            output_field=FloatField(),
        )
    )


# --- the catalog search used by the portal and the APIs

SORTS = {
    "relevansi": None,  # rank when there is a query, else newest
    "terbaru": ("-published_at", "-id"),
    "judul": ("title", "id"),
}
FILTERS = ("organisasi", "topik", "tahun", "format", "wilayah", "klasifikasi")


@dataclass
class Facet:
    name: str
    items: list = field(default_factory=list)  # (value, label, count), most first


@dataclass
class SearchResult:
    queryset: object
    total: int
    facets: dict


def parse_filters(params, user):
    """The filters a request asks for, keeping only well-formed values."""
    chosen = {}
    for name in FILTERS:
        # A NUL byte can match nothing (PostgreSQL refuses it in text): drop such values.
        values = [v.strip()[:100] for v in params.getlist(name) if v.strip() and "\x00" not in v]
        if name == "tahun":
            values = [v for v in values if v.isdigit() and len(v) == 4]
        if name == "klasifikasi":
            values = (
                [v for v in values if v in Access.values]
                if can(user, "catalog.see_access_facet")
                else []
            )
        if values:
            chosen[name] = values
    return chosen


def apply_filters(queryset, chosen):
    if "organisasi" in chosen:
        queryset = queryset.filter(organization__slug__in=chosen["organisasi"])
    if "topik" in chosen:
        queryset = queryset.filter(topics__slug__in=chosen["topik"]).distinct()
    if "tahun" in chosen:
        years = Q()
        for y in chosen["tahun"]:
            years |= Q(temporal_start__lte=int(y), temporal_end__gte=int(y))
        queryset = queryset.filter(years)
    if "format" in chosen:
        queryset = queryset.filter(resources__versions__format__in=chosen["format"]).distinct()
    if "wilayah" in chosen:
        queryset = queryset.filter(spatial_coverage_id__in=chosen["wilayah"])
    if "klasifikasi" in chosen:
        queryset = queryset.filter(access__in=chosen["klasifikasi"])
    return queryset


def search_datasets(user, q="", chosen=None, sort="relevansi", limit=200):
    """Visible datasets matching `q` and the chosen filters, with facet counts over the result."""
    chosen = chosen or {}
    queryset = Dataset.objects.visible_to(user)
    q = (q or "").strip()
    if q:
        queryset = filter_datasets(queryset, q, limit)
    queryset = apply_filters(queryset, chosen)
    ids = list(queryset.values_list("id", flat=True).distinct())
    facets = facet_counts(user, ids)
    ordered = Dataset.objects.filter(id__in=ids).select_related("organization", "spatial_coverage")
    if sort == "relevansi" and q:
        ordered = filter_datasets(ordered, q, limit).order_by("-rank", "title", "id")
    else:
        ordered = ordered.order_by(*(SORTS.get(sort) or SORTS["terbaru"]))
    return SearchResult(queryset=ordered, total=len(ids), facets=facets)


def facet_counts(user, ids):
    datasets = Dataset.objects.filter(id__in=ids)
    facets = {}
    facets["organisasi"] = Facet(
        "organisasi",
        [
            (row["organization__slug"], row["organization__name"], row["n"])
            for row in datasets.values("organization__slug", "organization__name")
            .annotate(n=Count("id", distinct=True))
            .order_by("-n", "organization__name")
        ],
    )
    facets["topik"] = Facet(
        "topik",
        [
            (row["topics__slug"], row["topics__name"], row["n"])
            for row in datasets.filter(topics__isnull=False)
            .values("topics__slug", "topics__name")
            .annotate(n=Count("id", distinct=True))
            .order_by("-n", "topics__name")
        ],
    )
    years = Counter()
    for start, end in datasets.filter(temporal_start__isnull=False).values_list(
        "temporal_start", "temporal_end"
    ):
        years.update(range(start, (end or start) + 1))
    facets["tahun"] = Facet(
        "tahun", [(str(y), str(y), n) for y, n in sorted(years.items(), reverse=True)]
    )
    facets["format"] = Facet(
        "format",
        [
            (row["format"], row["format"], row["n"])
            for row in ResourceVersion.objects.filter(resource__dataset__in=ids)
            .values("format")
            .annotate(n=Count("resource__dataset", distinct=True))
            .order_by("-n", "format")
        ],
    )
    facets["wilayah"] = Facet(
        "wilayah",
        [
            (row["code"], row["name"], row["n"])
            for row in datasets.filter(spatial_coverage__isnull=False)
            .values(code=F("spatial_coverage__code"), name=F("spatial_coverage__name"))
            .annotate(n=Count("id", distinct=True))
            .order_by("-n", "name")
        ],
    )
    if can(user, "catalog.see_access_facet"):
        labels = dict(Access.choices)
        facets["klasifikasi"] = Facet(
            "klasifikasi",
            [
                (row["access"], labels[row["access"]], row["n"])
                for row in datasets.values("access").annotate(n=Count("id")).order_by("-n")
            ],
        )
    return facets
