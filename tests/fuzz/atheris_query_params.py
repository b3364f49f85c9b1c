"""atheris target: the query-parameter parser of the query engine (satudata/stats/query.py).

Fuzzed strings and JSON go to filters_from_strings, filters_from_mapping, parse_sort,
parse_metric, page_size, decode_cursor and coerce, as /api/v1 and datastore_search pass
them. Finding: any exception other than QueryError, or a QueryError without code/message.
"""

import json

import atheris

with atheris.instrument_imports(include=["satudata"]):
    from _atheris_common import atheris_main, setup_django

    setup_django()
    from satudata.stats import query
    from satudata.stats.query import QueryError, Table


class FakeVersion:
    parquet_key = "0" * 64
    sha256 = "0" * 64
    schema = {
        "fields": [
            {"name": "nama", "type": "string"},
            {"name": "tahun", "type": "integer"},
            {"name": "nilai", "type": "number"},
            {"name": "tanggal", "type": "date"},
            {"name": "aktif", "type": "boolean"},
        ]
    }


TABLE = Table(FakeVersion())
ORDER = ((query.ROW_ID_FIELD, False), (TABLE.field("tahun"), True))


def check(call, *args) -> None:
    try:
        call(*args)
    except QueryError as error:
        if not (error.code and error.message):
            raise AssertionError(f"QueryError without code or message: {error!r}") from error


def TestOneInput(data: bytes) -> None:  # noqa: N802 - the name atheris calls
    fdp = atheris.FuzzedDataProvider(data)
    texts = [fdp.ConsumeUnicodeNoSurrogates(40) for _ in range(fdp.ConsumeIntInRange(1, 4))]
    check(query.filters_from_strings, TABLE, texts)
    check(query.parse_sort, TABLE, texts[0])
    check(query.parse_sort, TABLE, texts)
    check(query.parse_metric, TABLE, texts[-1])
    check(query.page_size, texts[0])
    check(query.page_size, fdp.ConsumeFloat())
    check(query.decode_cursor, TABLE, ORDER, texts[-1])
    for field in TABLE.fields:
        check(query.coerce, field, texts[0])
    try:
        mapping = json.loads(texts[0])
    except (ValueError, RecursionError):
        mapping = {"tahun": {"gte": texts[0]}, "nama": texts}
    check(query.filters_from_mapping, TABLE, mapping)


def seeds() -> list[bytes]:
    return [
        b"tahun:gte:2020\x00nilai:in:[1,2.5,null]\x00-tahun\x00sum:nilai",
        b'{"tahun": {"gte": 2020, "lt": 1e999}, "nama": ["a", null]}',
        b"eyJzIjpbWyJfaWQiLGZhbHNlXV0sInYiOlsxXX0",
    ]


def main() -> None:
    atheris_main(TestOneInput, seeds)


if __name__ == "__main__":
    main()
