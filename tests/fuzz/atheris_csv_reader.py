"""atheris target: the CSV/TSV reader (read_upload of text), any bytes.

Finding: any exception other than UnreadableFile, a refusal without an Indonesian message,
or the catch-all "file.unreadable" (an unexpected error inside our CSV reader).
"""

import tempfile
from pathlib import Path

import atheris

with atheris.instrument_imports(include=["satudata"]):
    from _atheris_common import atheris_main, check_refusal, setup_django

    setup_django()
    from satudata.ingest.read import Limits, UnreadableFile, read_upload

LIMITS = Limits(max_columns=50, max_cell_chars=500, max_header_chars=100)
NAMES = ("data.csv", "data.tsv", "data.txt")


def TestOneInput(data: bytes) -> None:  # noqa: N802 - the name atheris calls
    name, body = NAMES[len(data) % len(NAMES)], data
    if body.startswith((b"PK\x03\x04", b"PK\x05\x06", b"\xd0\xcf\x11\xe0")):
        return  # workbooks: atheris_sheet_reader
    with tempfile.TemporaryDirectory(prefix="fuzz-csv-") as tmp:
        path = Path(tmp) / "upload"
        path.write_bytes(body)
        work = Path(tmp) / "work"
        work.mkdir()
        try:
            read_upload(path, name, work, limits=LIMITS)
        except UnreadableFile as error:
            check_refusal(error, text=True)


def seeds() -> list[bytes]:
    """Starting points for the corpus (scripts/fuzz.sh and the smoke test write them)."""
    return [
        b"kode_wilayah,nama,tahun,nilai\n53.10,Kabupaten Manggarai,2024,007\n",
        'kode;nilai\r\n53.71;"1.234,5"\r\n53.01;"a""b"\r\n'.encode("utf-8-sig"),
        "a\tb\n1\t2\n".encode("utf-16"),
        b'Judul tabel\n\nx,y\n1,"dua\nbaris"\n3\n\nSumber: BPS\n',
        b"a,b\n\xe9t\xe9,1\n\xc3\xa9,2\n",
    ]


def main() -> None:
    atheris_main(TestOneInput, seeds)


if __name__ == "__main__":
    main()
