"""A short run of every atheris target (tests/fuzz/atheris_*.py), as part of `make test`.

Each target runs as its own process from its seed corpus for a bounded number of inputs and
seconds; any crash (an exception the parser must not raise) fails the test with the
fuzzer's output. Long runs: `make fuzz` (scripts/fuzz.sh).
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
TARGETS = ["csv_reader", "sheet_reader", "schema_inference", "pii", "query_params", "ckan_fq"]
RUNS = os.environ.get("FUZZ_SMOKE_RUNS", "400")
SECONDS = os.environ.get("FUZZ_SMOKE_SECONDS", "4")


def test_every_parser_has_a_target():
    found = sorted(p.stem.removeprefix("atheris_") for p in HERE.glob("atheris_*.py"))
    assert found == sorted(TARGETS)


@pytest.mark.parametrize("target", TARGETS)
def test_a_short_fuzz_run_finds_no_crash(target, tmp_path):
    script = HERE / f"atheris_{target}.py"
    env = {**os.environ, "FUZZ_SEEDS_DIR": str(tmp_path / "corpus")}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.pop("FUZZ_SEEDS_ONLY", None)
    done = subprocess.run(  # nosec B603  # our own script, fixed arguments
        [
            sys.executable,
            str(script),
            f"-runs={RUNS}",
            f"-max_total_time={SECONDS}",
            "-rss_limit_mb=2048",
            f"-artifact_prefix={tmp_path}/",
            str(tmp_path / "corpus"),
        ],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=180,
    )
    output = "\n".join(
        line for line in (done.stdout + done.stderr).splitlines() if "Instrumenting" not in line
    )
    assert done.returncode == 0, output[-6000:]
    assert "Done" in output, output[-3000:]
