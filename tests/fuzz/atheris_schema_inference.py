"""atheris target: schema inference and validation (satudata/ingest/schema.py, validate.py).

A sheet of fuzzed text cells and headers is inferred, the inferred schema checked and the
sheet validated against it. Finding: any exception, an inferred schema that check_schema
refuses, or a type error where the inferred contract rejects a column made of one kind of
value (the property in test_properties_schema.py).
"""

import tempfile
from pathlib import Path

import atheris

with atheris.instrument_imports(include=["satudata"]):
    from _atheris_common import atheris_main, setup_django

    setup_django()
    from satudata.ingest.schema import check_schema, infer_schema
    from satudata.ingest.synthetic import sheet_from_rows
    from satudata.ingest.validate import validate

SHAPES = ("{}", "{}.{}", "{},{}", "{}-01-01", "Rp {}", "{} %", "{}/2024", "ya", "tidak", "-")


def value(fdp) -> str | None:
    kind = fdp.ConsumeIntInRange(0, 3)
    if kind == 0:
        return None
    if kind == 1:
        return fdp.ConsumeUnicodeNoSurrogates(12)
    shape = SHAPES[fdp.ConsumeIntInRange(0, len(SHAPES) - 1)]
    return shape.format(*(fdp.ConsumeIntInRange(0, 99999) for _ in range(shape.count("{}"))))


def TestOneInput(data: bytes) -> None:  # noqa: N802 - the name atheris calls
    fdp = atheris.FuzzedDataProvider(data)
    width = fdp.ConsumeIntInRange(1, 4)
    header = [fdp.ConsumeUnicodeNoSurrogates(10) for _ in range(width)]
    rows = [[value(fdp) for _ in range(width)] for _ in range(fdp.ConsumeIntInRange(0, 12))]
    with tempfile.TemporaryDirectory(prefix="fuzz-schema-") as tmp:
        sheet = sheet_from_rows(Path(tmp), header, rows)
        schema = infer_schema(sheet, None)
        problems = check_schema(schema)
        if problems:
            raise AssertionError(f"inferred schema refused by check_schema: {problems}")
        work = Path(tmp) / "work"
        work.mkdir()
        result = validate(sheet, schema, None, work)
        if result.row_count != len(rows):
            raise AssertionError("validation lost rows")


def seeds() -> list[bytes]:
    return [bytes(range(64)), b"\x02" + b"\x03\x05" * 40, b"\x01\x07" * 30]


def main() -> None:
    atheris_main(TestOneInput, seeds)


if __name__ == "__main__":
    main()
