"""atheris target: the CKAN q/fq parser (satudata/api/ckan/query.py).

A fuzzed string is parsed (as fq, and as q with free_text) and the resulting filter compiled
to SQL (not run: no database is needed). Finding: any exception other than SearchQueryError.
"""

import atheris

with atheris.instrument_imports(include=["satudata"]):
    from _atheris_common import atheris_main, setup_django

    setup_django()
    from django.core.exceptions import EmptyResultSet, FullResultSet

    from satudata.api.ckan.query import Fields, parse
    from satudata.api.ckan.registry import SearchQueryError
    from satudata.catalog.models import Dataset

WORDS = ("tags:", "name:", "organization:", "groups:", "metadata_modified:", "res_format:",
         "(", ")", '"', "\\", "*", " AND ", " OR ", "NOT ", "-", "+", "[", "]", "{", "}",
         " TO ", "*:*", "NOW", ":", " ", "2024-01-01", "9999-12-31", "id:")  # fmt: skip


def TestOneInput(data: bytes) -> None:  # noqa: N802 - the name atheris calls
    fdp = atheris.FuzzedDataProvider(data)
    if fdp.ConsumeBool():
        text = "".join(
            WORDS[fdp.ConsumeIntInRange(0, len(WORDS) - 1)]
            if fdp.ConsumeBool()
            else fdp.ConsumeUnicodeNoSurrogates(4)
            for _ in range(fdp.ConsumeIntInRange(0, 40))
        )
    else:
        text = fdp.ConsumeUnicodeNoSurrogates(2100)
    for free_text in (False, True):
        try:
            q, _words = parse(text, Fields(), free_text=free_text)
        except SearchQueryError:
            continue
        try:
            str(Dataset.objects.filter(q).query)  # compiles the SQL; raises on a bad lookup
        except (EmptyResultSet, FullResultSet):
            pass  # Django's "matches nothing / everything": fine when the query runs


def seeds() -> list[bytes]:
    return [
        b"\x00tags:sosial AND -(name:x* OR organization:dinas-kesehatan)",
        b'\x00metadata_modified:[2024-01-01 TO NOW] +title:"a b"',
        b"\x01\x01\x00\x01\x0b" * 20,
    ]


def main() -> None:
    atheris_main(TestOneInput, seeds)


if __name__ == "__main__":
    main()
