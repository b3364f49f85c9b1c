"""A small cache of package_search's counts and facets, as Solr keeps its filter caches.

Counting and faceting 10,000 datasets costs tens of milliseconds a request; the same few
searches (the portal's own facets, harvesters' first page) come again and again. Entries are
keyed by what decides the answer: the caller's scope (the public, or one signed-in user with
include_private), q, fq, fq_list, the facet fields, and a stamp of the catalog (how many
datasets, the newest modified_at), so any edit, publication
or withdrawal in any process makes old entries unreachable. CKAN_SEARCH_CACHE_SECONDS bounds
how long an entry lives (labels of renamed OPDs or topics refresh within it).
"""

import hashlib
import json

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Max

from satudata.catalog.models import Dataset


def stamp():
    """How many datasets there are and the newest modified_at, in one indexed query.

    Every change that can change a search answer moves modified_at forward: any save of a
    dataset (auto_now), a version's publication (catalog.actions.touch_modified), a class
    change, publication and withdrawal in the workflow; a deletion changes the count.
    """
    datasets = Dataset.objects.order_by().aggregate(n=Count("pk"), m=Max("modified_at"))
    return [datasets["n"], str(datasets["m"])]


def key(context, kind, scope, data, extra=()):
    """The cache key; the catalog stamp is taken once per request (kept in `context`)."""
    if "_search_stamp" not in context:
        context["_search_stamp"] = stamp()
    parts = {
        "kind": kind,
        "scope": scope,
        "q": data.get("q"),
        "fq": data.get("fq"),
        "fq_list": data.get("fq_list"),
        "extra": list(extra),
        "stamp": context["_search_stamp"],
    }
    text = json.dumps(parts, sort_keys=True, default=str)
    return "ckan-search:" + hashlib.sha256(text.encode()).hexdigest()


def cached(cache_key, compute):
    seconds = settings.CKAN_SEARCH_CACHE_SECONDS
    if seconds <= 0:
        return compute()
    found = cache.get(cache_key)
    if found is None:
        found = compute()
        cache.set(cache_key, found, seconds)
    return found
