#!/usr/bin/env bash
# docs/metrics.md is what //results:metrics_page prints from the metric table: fails, showing the
# difference, when a row of results/metrics.cc changed and the page was not regenerated.
# Usage: metrics_page_test.sh METRICS_PAGE_BINARY docs/metrics.md
set -uo pipefail
generator=$1 page=$2
expected=$(mktemp)
trap 'rm -f "$expected"' EXIT
if ! "$generator" > "$expected"; then
  echo "FAIL: $generator exited non-zero"
  exit 1
fi
if ! diff -u "$page" "$expected"; then
  echo "FAIL: docs/metrics.md differs from the metric table in results/metrics.cc (- page," \
    "+ table); regenerate it from the workspace root with:"
  echo "  bazel run //results:metrics_page > docs/metrics.md"
  exit 1
fi
echo "PASS: docs/metrics.md equals the metric table ($(grep -c '^| `' "$page") metric rows)"
