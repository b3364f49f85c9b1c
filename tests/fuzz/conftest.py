"""Property tests and fuzz-target smoke runs of the parsers (see docs/testing.md)."""

from . import _profiles  # noqa: F401 - registers the "ci" and "long" Hypothesis profiles
