"""Shared set-up of the atheris targets (tests/fuzz/atheris_*.py).

Each target is a script: ``python tests/fuzz/atheris_csv_reader.py [libFuzzer options]``.
Django is set up with the project settings and a throwaway SATUDATA_VAR_DIR, so a target
never touches the developer's var/ (no database is opened: the targets call pure functions).
"""

import atexit
import os
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def setup_django() -> Path:
    """Django with the project settings in a temporary var directory; returns that directory."""
    var = Path(tempfile.mkdtemp(prefix="satudata-fuzz-"))
    atexit.register(shutil.rmtree, var, ignore_errors=True)
    os.environ["SATUDATA_VAR_DIR"] = str(var)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "satudata.settings")
    os.environ.setdefault("SATUDATA_MASTER_KEY", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    import logging

    from django.utils import translation

    # read_upload logs every parser surprise with its traceback: noise for a fuzzer
    logging.disable(logging.WARNING)

    translation.activate("id")
    return var


INDONESIAN = ("berkas", "buku kerja", "tabel", "baris", "isi json", "lembar")
EXPECTED_PARSER_ERRORS = ("python_calamine", "zipfile", "zlib")


def check_refusal(error, *, text: bool) -> None:
    """An UnreadableFile must carry an Indonesian message; a parser surprise is a finding."""
    problem = error.problem
    if not (problem.message and problem.hint):
        raise AssertionError(f"refusal without message or hint: {problem}")
    if not any(word in problem.message.lower() for word in INDONESIAN):
        raise AssertionError(f"refusal message not Indonesian: {problem.message!r}")
    if problem.code == "file.unreadable":
        cause = error.__cause__
        module = type(cause).__module__ if cause is not None else ""
        if text or not module.startswith(EXPECTED_PARSER_ERRORS):
            raise AssertionError(f"parser surprise: {problem.extra}") from cause


def atheris_main(test_one_input, seeds) -> None:
    """Run the target. With FUZZ_SEEDS_DIR=DIR, the seed inputs are first written into DIR
    (give DIR as the corpus directory too); with FUZZ_SEEDS_ONLY=1 the target stops there."""
    import atheris

    target = os.environ.get("FUZZ_SEEDS_DIR")
    if target:
        directory = Path(target)
        directory.mkdir(parents=True, exist_ok=True)
        for number, data in enumerate(seeds()):
            (directory / f"seed-{number:02d}").write_bytes(data)
        if os.environ.get("FUZZ_SEEDS_ONLY") == "1":
            return
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()
