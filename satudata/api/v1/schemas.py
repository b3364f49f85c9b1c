"""Response shapes of /api/v1 (they make the OpenAPI document)."""

from typing import Any

from ninja import Schema


class ErrorBody(Schema):
    code: str
    message: str
    detail: Any = None


class ErrorOut(Schema):
    error: ErrorBody


class Ref(Schema):
    slug: str
    name: str


class OrganisationOut(Schema):
    slug: str
    name: str
    short_name: str
    kind: str
    region: str
    description: str
    website: str
    dataset_count: int
    url: str


class TopicOut(Schema):
    slug: str
    name: str
    description: str
    dataset_count: int
    url: str


class RegionOut(Schema):
    code: str
    name: str
    level: int
    parent: str | None
    bps_code: str


class RegionPage(Schema):
    count: int
    page: int
    page_size: int
    results: list[RegionOut]


class FieldOut(Schema):
    name: str
    type: str


class VersionOut(Schema):
    id: int
    resource: int
    dataset: str
    number: int
    format: str
    media_type: str
    sha256: str
    size: int
    row_count: int | None
    published: bool
    published_at: str | None
    created_at: str
    table_schema: dict
    fields: list[FieldOut]
    queryable: bool
    has_series: bool
    downloads: dict[str, str]
    links: dict[str, str]


class ResourceOut(Schema):
    id: int
    dataset: str
    name: str
    description: str
    kind: str
    latest_version: VersionOut | None
    links: dict[str, str]


class DatasetSummary(Schema):
    slug: str
    title: str
    description: str
    organisation: Ref
    topics: list[Ref]
    access: str
    is_priority: bool
    temporal_start: int | None
    temporal_end: int | None
    published_at: str | None
    modified_at: str
    url: str
    api_url: str


class DatasetOut(DatasetSummary):
    tags: list[str]
    license: str
    update_frequency: str
    spatial_coverage: str | None
    spatial_level: int | None
    source: str
    unit: str
    measure: str
    contact_name: str
    resources: list[ResourceOut]


class FacetItem(Schema):
    value: str
    label: str
    count: int


class DatasetPage(Schema):
    count: int
    page: int
    page_size: int
    results: list[DatasetSummary]
    facets: dict[str, list[FacetItem]]
    links: dict[str, str | None]


class ValueCount(Schema):
    value: Any = None
    count: int


class FacetOut(Schema):
    items: list[ValueCount]
    truncated: bool


class RowsOut(Schema):
    fields: list[FieldOut]
    records: list[dict[str, Any]]
    total: int | None = None
    limit: int
    offset: int
    next_cursor: str | None
    has_more: bool
    truncated: bool
    facets: dict[str, FacetOut] = {}
    links: dict[str, str | None]


class AggregateOut(Schema):
    fields: list[FieldOut]
    records: list[dict[str, Any]]
    truncated: bool


class SeriesPoint(Schema):
    region: str | None
    period: Any = None
    value: float | None


class SeriesOut(Schema):
    measure: str
    region_column: str
    period_column: str
    measures: list[str]
    points: list[SeriesPoint]
    truncated: bool
