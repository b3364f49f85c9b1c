"""atheris target: the personal-data guard (satudata/ingest/pii.py).

Fuzzed headers and cells, mixed with synthetic identifiers (satudata/ingest/synthetic.py,
never real ones) in fuzzed formats. Finding: any exception; a finding whose counts or share
are impossible; a message that shows a full identifier instead of its masked form.
"""

import random

import atheris

with atheris.instrument_imports(include=["satudata"]):
    from _atheris_common import atheris_main, setup_django

    setup_django()
    from satudata.ingest import pii, synthetic

KINDS = sorted(synthetic.IDENTIFIERS)
SEPARATORS = ("", " ", ".", "-", "'", "\t", "\u00a0", "(", ")")


def identifier(fdp, rng) -> str:
    digits = synthetic.IDENTIFIERS[KINDS[fdp.ConsumeIntInRange(0, len(KINDS) - 1)]](rng)
    sep = SEPARATORS[fdp.ConsumeIntInRange(0, len(SEPARATORS) - 1)]
    step = fdp.ConsumeIntInRange(1, 8)
    text = sep.join(digits[i : i + step] for i in range(0, len(digits), step))
    around = fdp.ConsumeUnicodeNoSurrogates(10)
    return around + text if fdp.ConsumeBool() else text + around


def TestOneInput(data: bytes) -> None:  # noqa: N802 - the name atheris calls
    fdp = atheris.FuzzedDataProvider(data)
    rng = random.Random(fdp.ConsumeInt(4))  # nosec B311  # synthetic test data
    header = fdp.ConsumeUnicodeNoSurrogates(20)
    values = []
    for _ in range(fdp.ConsumeIntInRange(0, 30)):
        kind = fdp.ConsumeIntInRange(0, 2)
        if kind == 0:
            values.append(None)
        elif kind == 1:
            values.append(fdp.ConsumeUnicodeNoSurrogates(40))
        else:
            values.append(identifier(fdp, rng))
    finding = pii.scan_values(header, values)
    for value in values:
        if value:
            pii.identifiers_in(value)
            pii.mask(value)
    if finding is None:
        return
    present = sum(1 for v in values if v is not None and v.strip())
    if not (0 < finding.share <= 1 and finding.count <= present):
        raise AssertionError(f"impossible finding {finding} for {present} values")
    message = pii.finding_message(finding, header)
    for example in finding.examples:
        digits = "".join(ch for ch in example if ch.isdigit())
        if len(digits) >= 10 and digits in "".join(ch for ch in message if ch.isdigit()):
            raise AssertionError(f"unmasked identifier in message: {message!r}")


def seeds() -> list[bytes]:
    return [b"\x00" * 8 + b"nik\x00" + b"\x02\x00\x01\x04" * 20, bytes(range(200))]


def main() -> None:
    atheris_main(TestOneInput, seeds)


if __name__ == "__main__":
    main()
