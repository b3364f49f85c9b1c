"""Properties of the CKAN q/fq parser (satudata/api/ckan/query.py).

* Any string gives a filter or SearchQueryError (CKAN's "Search Query Error", HTTP 400);
  the filter it gives can be run. Never another exception.
* A generated well-formed fq (field:value, quoted values, prefixes, field groups, AND / OR /
  NOT / - / + / && / ||, parentheses, *:*) selects exactly the datasets that a reference
  evaluation in Python selects over the test catalog (conftest.py).
"""

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from satudata.api.ckan.query import Fields, parse
from satudata.api.ckan.registry import SearchQueryError
from satudata.catalog.constants import Access, State
from satudata.catalog.models import Dataset

from ._bounded import time_bound
from ._profiles import fuzz_settings

pytestmark = pytest.mark.django_db


def run(text, *, free_text=False):
    with time_bound(20):
        q, _words = parse(text, Fields(), free_text=free_text)
        return set(Dataset.objects.filter(q).values_list("pk", flat=True))


# --- any string ------------------------------------------------------------------------------

_ANY = st.text(st.characters(blacklist_categories=("Cs",)), max_size=120)
_SOLRISH = st.lists(
    st.sampled_from(
        [
            "tags:",
            "name:",
            "metadata_modified:",
            "(",
            ")",
            '"',
            "\\",
            "*",
            "AND",
            "OR",
            "NOT",
            "-",
            "+",
            "&&",
            "||",
            "[",
            "]",
            "{",
            "}",
            " TO ",
            "*:*",
            "sosial",
            "2024-01-01",
            "NOW",
            ":",
            " ",
            "id:",
            "{!",
            "~",
            "^2",
        ]
    ),  # fmt: skip
    max_size=25,
).map("".join)


@fuzz_settings()
@given(text=st.one_of(_ANY, _SOLRISH), free_text=st.booleans())
# Found by this property: each `-` (or NOT) in front of a term was a level of recursion with no
# limit, so 1,000 of them raised RecursionError (an HTTP 500) instead of a Search Query Error.
@example(text="-" * 1999 + "a", free_text=False)
@example(text="NOT " * 499 + "a", free_text=True)
# Found by this property: the end of a range on the last day of year 9999 overflowed, and a
# date before year 1 in UTC could not be converted (OverflowError, an HTTP 500).
@example(text="metadata_modified:[* TO 9999-12-31]", free_text=False)
@example(text="metadata_modified:[0001-01-01T00:00:00+14:00 TO *]", free_text=False)
@example(text="metadata_created:9999-12-31T23:59:59-12:00", free_text=False)
def test_any_text_gives_a_filter_or_a_search_query_error(catalog, text, free_text):
    try:
        found = run(text, free_text=free_text)
    except SearchQueryError as error:
        assert str(error.message if hasattr(error, "message") else error)
        return
    assert found <= set(Dataset.objects.values_list("pk", flat=True))


# --- generated queries against a reference evaluation ---------------------------------------

_WORD = st.text(
    st.sampled_from("abcdefghijklmnopqrstuvwxyzABC0123456789-_.'"), min_size=1, max_size=8
)
_ODD = st.text(st.sampled_from('ab ():"\\[]{}+!^~&|?/'), min_size=1, max_size=6)


def catalog_facts():
    facts = {}
    for ds in Dataset.objects.select_related("organization").prefetch_related("tags", "topics"):
        facts[ds.pk] = {
            "name": ds.slug,
            "organization": ds.organization.slug,
            "tags": [t.name for t in ds.tags.all()],
            "groups": [t.slug for t in ds.topics.all()],
            "title": ds.title,
            "state": ds.state,
            "public": ds.state == State.PUBLISHED and ds.access == Access.OPEN,
        }
    return facts


def term_holds(fact, field, value):
    prefix = value.endswith("*") and len(value) > 1
    bare = value[:-1] if prefix else value
    if value == "*":
        return {"tags": bool(fact["tags"]), "groups": bool(fact["groups"])}.get(field, True)
    if field in ("name", "organization"):
        own = fact[field]
        return own.startswith(bare) if prefix else own == value
    if field == "groups":
        return any(s.startswith(bare) if prefix else s == value for s in fact["groups"])
    if field == "tags":
        tags = [t.lower() for t in fact["tags"]]
        return any(t.startswith(bare.lower()) if prefix else t == value.lower() for t in tags)
    if field == "title":
        title = fact["title"].lower()
        return title.startswith(bare.lower()) if prefix else value.lower() in title
    if field == "state":
        ours = {"active": State.PUBLISHED, "draft": State.DRAFT, "deleted": State.WITHDRAWN}
        return value in ours and fact["state"] == ours[value]
    if field == "capacity":
        return {"public": fact["public"], "private": not fact["public"]}.get(value, False)
    raise AssertionError(field)


def escape_word(value: str) -> str:
    return "".join("\\" + c if c in ' ()"[]{}\\:+-!^~&|?/' else c for c in value)


def quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


@st.composite
def term(draw, facts):
    field = draw(st.sampled_from(["name", "organization", "tags", "groups", "title", "state",
                                  "capacity"]))  # fmt: skip
    known = sorted(
        {
            v
            for f in facts.values()
            for v in ([f[field]] if isinstance(f.get(field), str) else f.get(field, []))
        }
    )
    if field == "state":
        known = ["active", "draft", "deleted", "published"]
    elif field == "capacity":
        known = ["public", "private", "x"]
    elif field == "title":
        known = [w for f in facts.values() for w in f["title"].split()]
    value = draw(st.sampled_from(known) | _WORD | _ODD if known else _WORD)
    if draw(st.integers(0, 5)) == 0 and field not in ("state", "capacity"):
        value = draw(st.sampled_from([value[: max(1, len(value) // 2)] + "*", "*"]))
    quoted = draw(st.booleans()) and value != "*" and not value.endswith("*")
    text = f"{field}:{quote(value) if quoted else escape_word(value)}"
    return text, (lambda fact, field=field, value=value: term_holds(fact, field, value))


def expressions(facts):
    leaf = st.one_of(term(facts), st.just(("*:*", lambda fact: True)))

    def extend(inner):
        def negate(pair, style):
            text, holds = pair
            if style == "-" and not text.startswith(("NOT", "-", "+")):
                return "-" + text, lambda fact: not holds(fact)
            return f"NOT {text}", lambda fact: not holds(fact)

        def require(pair):
            text, holds = pair
            return ("+" + text if not text.startswith("NOT") else f"+({text})"), holds

        def both(a, b, op):
            text = f"({a[0]} {op} {b[0]})".replace("  ", " ")
            if op in ("OR", "||"):
                return text, lambda fact: a[1](fact) or b[1](fact)
            return text, lambda fact: a[1](fact) and b[1](fact)

        return st.one_of(
            st.builds(negate, inner, st.sampled_from(["NOT", "-"])),
            st.builds(both, inner, inner, st.sampled_from(["AND", "OR", "&&", "||", ""])),
            st.builds(require, inner),
        )

    return st.recursive(leaf, extend, max_leaves=8)


@fuzz_settings()
@given(data=st.data())
def test_generated_fq_selects_what_a_reference_evaluation_selects(catalog, data):
    facts = catalog_facts()
    text, holds = data.draw(expressions(facts), label="fq")
    expected = {pk for pk, fact in facts.items() if holds(fact)}
    assert run(text) == expected, text


@pytest.mark.parametrize(
    "text, same_as",
    [
        ("tags:sosial", 'tags:"sosial"'),
        ("tags:sosial OR name:draf-baru", "name:draf-baru || tags:sosial"),
        (
            "tags:sosial AND organization:dinas-kesehatan",
            "+tags:sosial +organization:dinas-kesehatan",
        ),
        ("NOT tags:sosial", "-tags:sosial"),
        # found by the property above: a sign before a group or a phrase was read as a word
        ("NOT (tags:sosial OR name:draf-baru)", "-(tags:sosial OR name:draf-baru)"),
        ("tags:sosial", "++(tags:sosial)"),
        ('title:"penduduk miskin"', '+title:"penduduk miskin"'),
        # found by the property above: NOT *:* matched everything, *:* OR x only x
        ("-*:*", "name:no-such-dataset"),
        ("*:* OR name:no-such-dataset", "*:*"),
        ("organization:(dinas-kesehatan OR dinas-sosial)", "organization:dinas-*"),
        ("groups:kemiskinan name:jumlah-penerima-bansos", "(groups:kemiskinan && name:jumlah-*)"),
    ],
)
def test_spellings_of_the_same_query_select_the_same_datasets(catalog, text, same_as):
    assert run(text) == run(same_as)
    assert run(text) == run(f"({text})") == run(f"*:* AND ({text})")


@pytest.mark.parametrize(
    "params",
    [
        {"fq": "-" * 1999 + "a"},
        {"fq": "metadata_modified:[* TO 9999-12-31]"},
        {"facet.field": "[" * 50_000 + "]" * 50_000},
    ],
)
def test_the_found_inputs_are_no_server_error_through_the_api(catalog, client, params):
    """Each of these was an HTTP 500 before its fix; CKAN answers 400/409 for bad input."""
    answer = client.get("/api/3/action/package_search", params)
    assert answer.status_code in (200, 400, 409), answer.content[:300]
    assert "success" in answer.json()


@pytest.mark.parametrize(
    "action, body",
    [
        ("package_search", "[" * 50_000 + "]" * 50_000),
        ("package_search", '{"rows": 1e999, "start": -1e999}'),
        ("datastore_search", '{"resource_id": "x", "limit": 1e999}'),
    ],
)
def test_a_hostile_json_body_is_no_server_error(catalog, client, action, body):
    """Found by the properties above: RecursionError and OverflowError were HTTP 500."""
    answer = client.post(f"/api/3/action/{action}", body, content_type="application/json")
    assert answer.status_code in (400, 404, 409), answer.content[:300]
