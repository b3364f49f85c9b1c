"""Indonesian text helpers: tokenising and stemming for search.

PySastrawi (1.2.1) is used, never the 2016 `sastrawi` package, which installs the same
module name and is ~400x slower. Stems are cached per word because the same few
thousand words make up almost all metadata.
"""

import functools
import re
import unicodedata

from Sastrawi.Stemmer.StemmerFactory import StemmerFactory

_TOKEN = re.compile(r"[0-9a-z]+")


@functools.cache
def _stemmer():
    return StemmerFactory().create_stemmer()


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKD", text or "")
    return "".join(c for c in text if not unicodedata.combining(c)).lower()


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(normalise(text))


@functools.lru_cache(maxsize=100_000)
def stem(word: str) -> str:
    if len(word) <= 3 or word.isdigit():
        return word
    return _stemmer().stem(word) or word


def stems(text: str) -> list[str]:
    return [stem(t) for t in tokens(text)]


def search_document(*parts: str) -> str:
    """The text a search index stores: the stem of every word, space-separated.

    Queries are reduced to stems the same way, so 'kemiskinan' finds 'miskin'.
    """
    return " ".join(s for part in parts for s in stems(part))
