#!/usr/bin/env bash
# Long fuzzing runs of the parsers (docs/testing.md). Run through `make fuzz`.
#   1. the Hypothesis property tests of tests/fuzz with the "long" profile (5000+ examples
#      each; failing examples are kept in var/fuzz/hypothesis and tried first next time);
#   2. every atheris target for FUZZ_SECONDS (default 600) seconds, with its corpus in
#      var/fuzz/<target>/corpus (kept between runs) and crashes written to var/fuzz/<target>/.
# Exits non-zero when a property fails or any target crashes; the others still run.
# FUZZ_TARGETS="csv_reader pii" limits step 2 to some targets; FUZZ_SKIP_PROPERTIES=1 skips step 1.
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
SECONDS_PER_TARGET=${FUZZ_SECONDS:-600}
TARGETS=${FUZZ_TARGETS:-csv_reader sheet_reader schema_inference pii query_params ckan_fq}
OUT=var/fuzz
mkdir -p "$OUT"
status=0

if [ "${FUZZ_SKIP_PROPERTIES:-0}" != "1" ]; then
  echo "== hypothesis (profile long)"
  HYPOTHESIS_PROFILE=long SATUDATA_DATABASE_URL= $BIN/pytest -q -p no:cacheprovider \
    tests/fuzz --ignore=tests/fuzz/test_atheris_smoke.py || status=1
fi

for target in $TARGETS; do
  dir="$OUT/$target"
  mkdir -p "$dir/corpus"
  echo "== atheris $target (${SECONDS_PER_TARGET}s; corpus $dir/corpus, crashes in $dir/)"
  FUZZ_SEEDS_DIR="$dir/corpus" $BIN/python "tests/fuzz/atheris_$target.py" \
    -max_total_time="$SECONDS_PER_TARGET" -rss_limit_mb=2048 -timeout=60 \
    -artifact_prefix="$dir/" -print_final_stats=1 "$dir/corpus" \
    2> >(grep -v "^INFO: Instrumenting" >&2) || {
      echo "CRASH in $target: see $dir/crash-* (replay: $BIN/python tests/fuzz/atheris_$target.py $dir/crash-...)" >&2
      status=1
    }
done

if [ "$status" -ne 0 ]; then
  echo "FAILED: see the output above" >&2
fi
exit "$status"
