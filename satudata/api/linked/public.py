"""What the public documents contain, and their absolute links.

The datasets are exactly those the Publik sees (`Dataset.objects.visible_to` an anonymous
user: the catalog's visibility_q), and of those only published versions (what `version.view`
allows an anonymous user). Links start with SITE_URL, like the CKAN Action API's.
"""

import datetime

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db.models import Prefetch
from django.urls import reverse

from satudata.accounts.models import Organization
from satudata.catalog.constants import License, UpdateFrequency
from satudata.catalog.models import Dataset, Resource, ResourceVersion, Topic

# The downloads made from a validated table (ingest.convert.FORMATS), with their media types.
DOWNLOAD_MEDIA_TYPES = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
    "parquet": "application/vnd.apache.parquet",
}

LICENSE_URLS = {
    License.CC_BY_4: "https://creativecommons.org/licenses/by/4.0/",
    License.CC0: "https://creativecommons.org/publicdomain/zero/1.0/",
    License.ODBL: "https://opendatacommons.org/licenses/odbl/1-0/",
}

# Our update frequencies in the EU frequency vocabulary (DCAT-AP dct:accrualPeriodicity).
FREQUENCY_URIS = {
    UpdateFrequency.YEARLY: "ANNUAL",
    UpdateFrequency.SEMIANNUAL: "ANNUAL_2",
    UpdateFrequency.QUARTERLY: "QUARTERLY",
    UpdateFrequency.MONTHLY: "MONTHLY",
    UpdateFrequency.IRREGULAR: "IRREG",
}
FREQUENCY_BASE = "http://publications.europa.eu/resource/authority/frequency/"


def public_datasets():
    """Datasets the Publik sees (published Terbuka), through the catalog's one policy."""
    return Dataset.objects.visible_to(AnonymousUser())


def published_versions():
    """Versions the Publik may see of a dataset it sees: published ones (version.view)."""
    return ResourceVersion.objects.filter(published_at__isnull=False).order_by("-number")


def with_details(datasets):
    """Prefetch what every document needs; each resource's `.versions.all()` is published only."""
    return (
        datasets.select_related("organization", "spatial_coverage")
        .defer("search_document")
        .prefetch_related(
            "topics",
            "tags",
            Prefetch(
                "resources",
                queryset=Resource.objects.prefetch_related(
                    Prefetch("versions", queryset=published_versions())
                ),
            ),
        )
    )


def latest_published(resource):
    """The newest published version of a resource fetched by with_details, or None."""
    versions = list(resource.versions.all())
    return versions[0] if versions else None


def public_organizations():
    return Organization.objects.filter(datasets__in=public_datasets()).distinct().order_by("slug")


def public_topics():
    return Topic.objects.filter(datasets__in=public_datasets()).distinct().order_by("slug")


def last_changed(dataset):
    """When the dataset or one of its published versions last changed."""
    times = [dataset.modified_at, dataset.published_at]
    for resource in dataset.resources.all():
        times += [v.published_at for v in resource.versions.all()]
    return max(t for t in times if t is not None)


def iso(value):
    if value is None:
        return None
    if isinstance(value, datetime.datetime) and value.tzinfo is not None:
        value = value.astimezone(datetime.UTC)
    return value.isoformat().replace("+00:00", "Z")


class Links:
    """Absolute URLs of public pages and documents."""

    def __init__(self):
        self.base = settings.SITE_URL.rstrip("/")

    def absolute(self, path):
        return self.base + path

    def home(self):
        return self.base + "/"

    def dataset(self, dataset):
        return self.absolute(reverse("portal:dataset", args=[dataset.slug]))

    def organization(self, org):
        return self.absolute(reverse("portal:organization", args=[org.slug]))

    def topic(self, topic):
        return self.absolute(reverse("portal:topic", args=[topic.slug]))

    def download(self, dataset, version, fmt=None):
        args = [dataset.slug, version.resource_id, version.number]
        if fmt is None:
            return self.absolute(reverse("portal:download", args=args))
        return self.absolute(reverse("portal:download_format", args=[*args, fmt]))

    def dataset_document(self, dataset, ext):
        return self.absolute(reverse(f"linked:dataset_{ext}", args=[dataset.slug]))

    def catalog_page(self, ext, page):
        return self.absolute(reverse(f"linked:catalog_{ext}")) + f"?page={page}"

    def datapackage(self, dataset):
        return self.absolute(reverse("linked:datapackage", args=[dataset.slug]))

    def version_datapackage(self, dataset, version):
        return self.absolute(
            reverse(
                "linked:version_datapackage",
                args=[dataset.slug, version.resource_id, version.number],
            )
        )


def files(dataset, version, links):
    """The files of a published version: the original upload, then each validated download.

    Yields dicts with fmt (None for the original), format, media_type, url, size and sha256
    (the file store key is the file's SHA-256).
    """
    yield {
        "fmt": None,
        "format": version.format,
        "media_type": version.media_type,
        "url": links.download(dataset, version),
        "size": version.size,
        "sha256": version.sha256,
    }
    for fmt, media_type in DOWNLOAD_MEDIA_TYPES.items():
        stored = (version.downloads or {}).get(fmt)
        if not stored:
            continue
        yield {
            "fmt": fmt,
            "format": fmt.upper(),
            "media_type": media_type,
            "url": links.download(dataset, version, fmt),
            "size": stored.get("size"),
            "sha256": stored.get("key"),
        }
