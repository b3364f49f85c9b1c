"""The subset of Solr query syntax that CKAN clients send, turned into a Django filter.

Grammar (peers.md §3.7): `field:value`, `field:"quoted value"`, `field:(a OR b)`,
`field:[from TO to]` / `{from TO to}` on dates, `+`/`-`/`NOT` prefixes, `AND`/`OR`/`&&`/`||`,
parentheses, `*:*`, and bare words (free text, our full-text search). Words next to each
other are joined with AND (CKAN runs its queries with q.op=AND). Values only ever become
bound parameters of the ORM or of the catalog's full-text search.
"""

import datetime
import re

from django.db.models import Q
from django.utils import timezone

from satudata.accounts.models import Organization
from satudata.catalog.constants import Access, State
from satudata.catalog.models import Dataset, ResourceVersion
from satudata.catalog.search import filter_datasets

from . import ids
from .package import LICENSE_BY_CKAN_ID
from .registry import SearchQueryError

MAX_LENGTH = 2000
MAX_DEPTH = 20
MAX_TERMS = 100
NOTHING = Q(pk__in=[])
EVERYTHING = Q(pk__isnull=False)


def negate(q):
    """NOT q. An empty Q() means "every dataset" here, but Django's ~Q() is Q() again."""
    return ~q if q else NOTHING


def either(a, b):
    """a OR b. Django's Q() | b is b, while here Q() (every dataset) OR b is every dataset."""
    return EVERYTHING if not a or not b else a | b


_TOKEN = re.compile(
    r"""\s*(?:
        (?P<lparen>\()
      | (?P<rparen>\))
      | (?P<quoted>"(?:[^"\\]|\\.)*")
      | (?P<range>[\[{][^\]}]*[\]}])
      | (?P<word>(?:[^\s()"\[\]{}\\]|\\.)+)
    )""",
    re.VERBOSE,
)


def _unescape(text):
    return re.sub(r"\\(.)", r"\1", text)


def tokenize(text):
    tokens, pos = [], 0
    text = text.strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise SearchQueryError(f"Search Query is invalid: cannot read {text[pos : pos + 20]!r}")
        pos = m.end()
        kind = m.lastgroup
        value = m.group(kind)
        if kind == "word":
            if value in ("AND", "&&"):
                tokens.append(("and", value))
                continue
            if value in ("OR", "||"):
                tokens.append(("or", value))
                continue
            if value == "NOT":
                tokens.append(("not", value))
                continue
            # -(a OR b), +"a phrase": a sign right before a group or phrase applies to it
            before_group = text[pos : pos + 1] in ("(", '"', "[", "{")
            while value[:1] in ("+", "-") and (len(value) > 1 or before_group):
                tokens.append(("plus" if value[0] == "+" else "not", value[0]))
                value = value[1:]
            if not value:
                continue
            # field:value, or field: followed by a quoted value, range or group
            m2 = re.match(r"^((?:[^:\\]|\\.)+):(.*)$", value)
            if m2 and m2.group(1) != "\\":
                tokens.append(("field", _unescape(m2.group(1))))
                if m2.group(2):
                    tokens.append(("word", m2.group(2)))
                continue
        tokens.append((kind, value))
    return tokens


class Parser:
    """Recursive descent over the tokens; builds (Q, ranked text) pairs."""

    def __init__(self, tokens, fields):
        self.tokens = tokens
        self.pos = 0
        self.fields = fields
        self.terms = 0

    def peek(self):
        return self.tokens[self.pos] if self.pos < len(self.tokens) else (None, None)

    def take(self):
        token = self.peek()
        self.pos += 1
        return token

    def parse(self):
        if not self.tokens:
            return Q(), ""
        q, text = self.or_expr(None, 0)
        if self.pos != len(self.tokens):
            raise SearchQueryError(f"Search Query is invalid: unexpected {self.peek()[1]!r}")
        return q, text

    def or_expr(self, field, depth):
        q, text = self.and_expr(field, depth)
        ored = False
        while self.peek()[0] == "or":
            self.take()
            right, _ = self.and_expr(field, depth)
            q = either(q, right)
            ored = True
        return q, ("" if ored else text)

    def and_expr(self, field, depth):
        parts, words = [], []
        while self.peek()[0] not in (None, "or", "rparen"):
            if self.peek()[0] == "and":
                self.take()
                continue
            negated, q, word = self.unary(field, depth)
            if word is not None and not negated:
                words.append(word)  # plain words are searched together, as one AND query
            elif q is not None:
                parts.append(q)
        if not parts and not words:
            raise SearchQueryError("Search Query is invalid: empty expression")
        q = Q()
        if words:
            q &= self.fields.text(" ".join(words))
        for part in parts:
            q &= part
        return q, " ".join(words)

    def unary(self, field, depth):
        # A loop, not recursion: a query of 2,000 `-` signs must not exhaust the stack.
        nots = 0
        while self.peek()[0] in ("not", "plus"):
            nots += self.take()[0] == "not"
        negated, q, word = self.primary(field, depth)
        if not nots:
            return negated, q, word
        if q is None:
            q = self.fields.text(word)
        if nots % 2:
            q = negate(q)
        return bool(nots % 2), q, None

    def primary(self, field, depth):
        if depth > MAX_DEPTH:
            raise SearchQueryError("Search Query is invalid: too deeply nested")
        self.terms += 1
        if self.terms > MAX_TERMS:
            raise SearchQueryError("Search Query is invalid: too many terms")
        kind, value = self.take()
        if kind == "lparen":
            q, _ = self.or_expr(field, depth + 1)
            if self.take()[0] != "rparen":
                raise SearchQueryError("Search Query is invalid: missing ')'")
            return False, q, None
        if kind == "field":
            if field is not None:
                raise SearchQueryError("Search Query is invalid: nested field")
            nxt, nvalue = self.peek()
            if nxt == "lparen":
                self.take()
                q, _ = self.or_expr(value, depth + 1)
                if self.take()[0] != "rparen":
                    raise SearchQueryError("Search Query is invalid: missing ')'")
                return False, q, None
            if nxt == "range":
                self.take()
                return False, self.fields.range(value, nvalue), None
            if nxt in ("word", "quoted"):
                self.take()
                term = _unescape(nvalue[1:-1] if nxt == "quoted" else nvalue)
                if value in ("text", "_text_") and nxt == "word":
                    return False, None, term
                return False, self.fields.term(value, term), None
            raise SearchQueryError(f"Search Query is invalid: no value for {value!r}")
        if kind in ("word", "quoted"):
            term = _unescape(value[1:-1] if kind == "quoted" else value)
            if field is None or field in ("text", "_text_"):
                if term == "*":
                    return False, Q(), None
                return False, None, term
            return False, self.fields.term(field, term), None
        if kind == "range" and field is not None:
            return False, self.fields.range(field, value), None
        raise SearchQueryError(f"Search Query is invalid: unexpected {value!r}")


def parse_datetime(value, upper=False):
    """A Solr date (2026-01-01T00:00:00.000000Z, 2026-01-01, NOW) as an aware UTC datetime."""
    value = value.strip()
    if value == "NOW":
        return timezone.now()
    text = value[:-1] if value.endswith("Z") else value
    try:
        if len(text) == 10:
            moment = datetime.datetime.fromisoformat(text)
            if upper:
                moment += datetime.timedelta(days=1) - datetime.timedelta(microseconds=1)
        else:
            moment = datetime.datetime.fromisoformat(text)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=datetime.UTC)
        # the database gets UTC: 0001-01-01T00:00+01:00 or 9999-12-31T23:00-02:00 has none
        return moment.astimezone(datetime.UTC)
    except (ValueError, OverflowError):
        raise SearchQueryError(f"Search Query is invalid: not a date {value!r}") from None


def _subquery(**lookup):
    return Q(pk__in=Dataset.objects.filter(**lookup).values("pk"))


class Fields:
    """What each CKAN search field means on our models."""

    DATES = {"metadata_modified": "modified_at", "metadata_created": "created_at"}
    # Fields of CKAN's Solr schema that nothing of ours fills: they match nothing.
    EMPTY_PREFIXES = ("extras_", "res_extras_", "vocab_")
    EMPTY = {"author", "author_email", "version", "url", "maintainer_email", "res_url"}

    def text(self, words):
        if words.strip() in ("", "*"):
            return Q()
        return Q(pk__in=filter_datasets(Dataset.objects.all(), words).values("pk"))

    def term(self, field, value):
        if field == "*":
            if value != "*":
                raise SearchQueryError("Search Query is invalid: '*' needs the value '*'")
            return Q()
        if value == "*":
            return self.exists(field)
        prefix = value.endswith("*") and len(value) > 1
        bare = value[:-1] if prefix else value
        if field == "id":
            pk = ids.from_ckan("dataset", value)
            return Q(pk=pk) if pk else NOTHING
        if field == "name":
            return Q(slug__startswith=bare) if prefix else Q(slug=value)
        if field in ("title", "title_string"):
            return Q(title__istartswith=bare) if prefix else Q(title__icontains=value)
        if field == "notes":
            return Q(description__icontains=bare)
        if field == "organization":
            lookup = "slug__startswith" if prefix else "slug"
            return Q(organization_id__in=Organization.objects.filter(**{lookup: bare}).values("pk"))
        if field == "owner_org":
            pk = ids.from_ckan("organization", value)
            return Q(organization_id=pk) if pk else Q(organization__slug=value)
        if field == "groups":
            return _subquery(**{("topics__slug__startswith" if prefix else "topics__slug"): bare})
        if field == "tags":
            return _subquery(
                **{("tags__name__istartswith" if prefix else "tags__name__iexact"): bare}
            )
        if field == "res_format":
            return Q(
                pk__in=ResourceVersion.objects.filter(
                    published_at__isnull=False, format__iexact=value
                ).values("resource__dataset")
            )
        if field == "res_name":
            return _subquery(resources__name__icontains=bare)
        if field == "res_description":
            return _subquery(resources__description__icontains=bare)
        if field == "license_id":
            return Q(license=LICENSE_BY_CKAN_ID.get(value, value))
        if field == "maintainer":
            return Q(contact_name__icontains=bare)
        if field in ("dataset_type", "type"):
            return Q() if value == "dataset" else NOTHING
        if field == "state":
            ours = {"active": State.PUBLISHED, "draft": State.DRAFT, "deleted": State.WITHDRAWN}
            return Q(state=ours[value]) if value in ours else NOTHING
        if field == "capacity":
            public = Q(state=State.PUBLISHED, access=Access.OPEN)
            return public if value == "public" else ~public if value == "private" else NOTHING
        if field == "private":
            public = Q(state=State.PUBLISHED, access=Access.OPEN)
            return ~public if value.lower() == "true" else public
        if field == "site_id":
            return Q()
        if field in self.DATES:
            moment = parse_datetime(value)
            return self.date_q(field, gte=moment, lte=moment)
        if field in self.EMPTY or field.startswith(self.EMPTY_PREFIXES):
            return NOTHING
        raise SearchQueryError(f"Search Query is invalid: unknown field {field!r}")

    def exists(self, field):
        if field in self.EMPTY or field.startswith(self.EMPTY_PREFIXES):
            return NOTHING
        if field == "tags":
            return _subquery(tags__isnull=False)
        if field == "groups":
            return _subquery(topics__isnull=False)
        if field == "res_format":
            published = ResourceVersion.objects.filter(published_at__isnull=False)
            return Q(pk__in=published.values("resource__dataset"))
        self.term(field, "x")  # raises for an unknown field
        return Q()

    def range(self, field, text):
        if field not in self.DATES:
            raise SearchQueryError(f"Search Query is invalid: no range search on {field!r}")
        inclusive_low, inclusive_high = text[0] == "[", text[-1] == "]"
        parts = text[1:-1].split(" TO ")
        if len(parts) != 2:
            raise SearchQueryError("Search Query is invalid: a range is [from TO to]")
        low, high = (p.strip() for p in parts)
        bounds = {}
        if low != "*":
            bounds["gte" if inclusive_low else "gt"] = parse_datetime(low)
        if high != "*":
            bounds["lte" if inclusive_high else "lt"] = parse_datetime(high, upper=True)
        return self.date_q(field, **bounds)

    def date_q(self, field, **bounds):
        # metadata_modified is modified_at: publication moves it up (catalog.actions.touch_modified).
        column = self.DATES[field]
        return Q(**{f"{column}__{op}": moment for op, moment in bounds.items()})


def parse(text, fields, *, free_text=False):
    """(Q, words to rank by) for a q/fq string. With `free_text`, a q that does not parse
    (an odd quote or bracket in a plain search) is searched as plain words instead."""
    text = (text or "").strip()
    if len(text) > MAX_LENGTH:
        raise SearchQueryError("Search Query is invalid: too long")
    if "{!" in text:
        raise SearchQueryError("Search Query is invalid: local parameters are not allowed")
    if text in ("", "*:*", "*"):
        return Q(), ""
    try:
        return Parser(tokenize(text), fields).parse()
    except SearchQueryError:
        if not free_text or ":" in text:
            raise
        plain = re.sub(r'[()"\[\]{}\\]', " ", text)
        return fields.text(plain), plain
