# Shared by the shell tests: counts checks and writes one JUnit test case per check to the XML
# report Bazel collects ($XML_OUTPUT_FILE), so CI counts checks, not scripts.
#   source "$(dirname "${BASH_SOURCE[0]}")/../bazel/check_lib.sh"   # from a test one level down
#   check STATUS DESCRIPTION   # STATUS first, so it is expanded before any $(...) in DESCRIPTION
#   check_finish SUITE         # prints "SUITE: N passed, N failed", writes the XML, returns 1 on failure
#   wait_for SECONDS COMMAND...  # polls COMMAND every 10 ms until it succeeds; 1 after SECONDS
# A test case is named by DESCRIPTION up to $check_cut (default " (": details go in brackets);
# the whole DESCRIPTION is printed when the check fails.
passed=0
failed=0
check_cases=""
check_cut=${check_cut:-" ("}

check() {
  local name
  name=$(printf '%s' "${2%%"$check_cut"*}" | tr -d '<>&"' | head -c 120)
  if [ "$1" -eq 0 ]; then
    passed=$((passed + 1))
    check_cases+="<testcase name=\"$name\" status=\"run\"/>"
  else
    failed=$((failed + 1))
    echo "FAIL: $2" >&2
    check_cases+="<testcase name=\"$name\" status=\"run\"><failure message=\"failed\"/></testcase>"
  fi
}

check_finish() {
  local total=$((passed + failed))
  echo "$1: $passed passed, $failed failed"
  if [ -n "${XML_OUTPUT_FILE:-}" ]; then
    printf '<?xml version="1.0"?>\n<testsuites tests="%d" failures="%d"><testsuite name="%s" tests="%d" failures="%d">%s</testsuite></testsuites>\n' \
      "$total" "$failed" "$1" "$total" "$failed" "$check_cases" >"$XML_OUTPUT_FILE"
  fi
  [ "$failed" -eq 0 ]
}

wait_for() {
  local deadline=$((SECONDS + $1))
  shift
  until "$@"; do
    [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 0.01
  done
}
