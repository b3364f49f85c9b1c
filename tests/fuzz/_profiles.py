"""Hypothesis budgets of the property tests: "ci" by default, "long" for `make fuzz`.

The profiles are applied per test (``@fuzz_settings``) instead of being loaded globally, so
that loading this directory never changes the budget of other Hypothesis users in the same
pytest session (the schemathesis tests of /api/v1).
"""

import os
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis.database import DirectoryBasedExampleDatabase

ROOT = Path(__file__).resolve().parents[2]
SUPPRESSED = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large]

# Short, reproducible: the same examples on every run and on every machine, nothing written
# to the checkout. Part of `make test`.
settings.register_profile(
    "ci",
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    print_blob=True,
    suppress_health_check=SUPPRESSED,
)
# `make fuzz`: random and long; failing examples are kept under var/fuzz/hypothesis so that
# the next run tries them first.
settings.register_profile(
    "long",
    max_examples=int(os.environ.get("HYPOTHESIS_MAX_EXAMPLES", "5000")),
    deadline=None,
    derandomize=False,
    database=DirectoryBasedExampleDatabase(str(ROOT / "var" / "fuzz" / "hypothesis")),
    print_blob=True,
    suppress_health_check=SUPPRESSED,
)

PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")


def fuzz_settings(scale: float = 1.0, **overrides):
    """The selected profile as a decorator; scale < 1 for slow properties (DuckDB, the DB)."""
    base = settings.get_profile(PROFILE)
    examples = max(10, int(base.max_examples * scale))
    return settings(base, max_examples=examples, **overrides)
