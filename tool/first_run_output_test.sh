#!/usr/bin/env bash
# What `lockbench run` says besides its result: each warning once per invocation, the per-lock
# ones of several locks gathered on one line, none that the table's footnote already says; a
# default table that fits 120 columns (--wide: every column); and the sweep's progress, a line
# per finished run when stderr is not a terminal, one status line redrawn in place on a terminal
# (tmux), nothing with --quiet.
set -uo pipefail

bin="$1"
tmp="${TEST_TMPDIR:-$(mktemp -d)}"

source "$(dirname "${BASH_SOURCE[0]}")/../bazel/check_lib.sh"

short=(--duration 20ms --warmup 5ms)

# Two exclusive-only locks (fast_mutex, pthread_mutex) beside a shared one, 3 repetitions.
sweep=(run --lock push_lock,fast_mutex,pthread_mutex --threads 2 --repetitions 3 "${short[@]}")
"$bin" "${sweep[@]}" --out "$tmp/ex.json" >"$tmp/ex.out" 2>"$tmp/ex.err"
check $? "an exclusive-only sweep runs ($(cat "$tmp/ex.err"))"
! grep -q "warning: .*no shared mode" "$tmp/ex.err"
check $? "the table says what exclusive-only means, so stderr does not ($(cat "$tmp/ex.err"))"
grep -q "^\* exclusive-only lock: its shared requests ran exclusive" "$tmp/ex.out"
check $? "the table's footnote says it ($(cat "$tmp/ex.out"))"
python3 - "$tmp/ex.json" <<'PY'
import json, sys
runs = json.load(open(sys.argv[1]))["runs"]
assert len(runs) == 9, len(runs)
for r in runs:
    # The engine notes it on every run of an exclusive-only lock that served a shared request (a
    # run a loaded machine left without one has nothing to note).
    warned = any(w.endswith("has no shared mode: its shared requests ran exclusive")
                 for w in r["warnings"])
    expected = r["lock"] != "push_lock" and r["shared_ops"] > 0
    assert warned == expected, (r["lock"], r["repetition"], r["shared_ops"], r["warnings"])
assert any(r["lock"] == "fast_mutex" and r["shared_ops"] > 0 for r in runs)
assert any(r["lock"] == "pthread_mutex" and r["shared_ops"] > 0 for r in runs)
PY
check $? "the result file keeps every run's warning"

# Without a footnote (CSV), one line names both locks, printed once.
"$bin" "${sweep[@]}" --format csv >"$tmp/csv.out" 2>"$tmp/csv.err"
check $? "the CSV sweep runs"
[ "$(grep -c "warning: .*no shared mode" "$tmp/csv.err")" -eq 1 ] &&
  grep -q "^lockbench: warning: locks 'fast_mutex', 'pthread_mutex' each has no shared mode: its shared requests ran exclusive$" "$tmp/csv.err"
check $? "CSV: one warning line gathers the exclusive-only locks ($(cat "$tmp/csv.err"))"
[ "$(grep -c "warning" "$tmp/csv.err")" -eq "$(grep "warning" "$tmp/csv.err" | sort -u | wc -l)" ]
check $? "no warning text is repeated ($(cat "$tmp/csv.err"))"

# The default table fits 120 columns and says what it leaves out; --wide has every column.
width=$(awk '{ if (length($0) > w) w = length($0) } END { print w }' "$tmp/ex.out")
[ "$width" -le 120 ]
check $? "the default table is at most 120 wide ($width)"
grep -q "^lock  *runs  *Mops/s  *ratio  *sh p50  *sh p99  *ex p50  *ex p99  *jain  *cpu/op  *starved  *status$" "$tmp/ex.out" &&
  grep -q "^not shown: sh max, ex max, jain2n, bypass>fifo, sleeps/op (--wide shows them)$" "$tmp/ex.out"
check $? "the default table has the main columns and names the others ($(cat "$tmp/ex.out"))"
"$bin" "${sweep[@]}" --wide >"$tmp/wide.out" 2>/dev/null
grep -q "^lock  *runs  *Mops/s  *ratio  *sh p50  *sh p99  *sh max  *ex p50  *ex p99  *ex max  *jain  *jain2n  *bypass>fifo  *cpu/op  *sleeps/op  *starved  *status$" "$tmp/wide.out" &&
  ! grep -q "^not shown" "$tmp/wide.out"
check $? "--wide has every column ($(head -3 "$tmp/wide.out"))"

# Not a terminal: one line per finished run, k of N in order, with the elapsed time.
log="$tmp/ex.err"
grep -Eq "^lockbench: run [0-9]+/9 " "$log"
check $? "the log has run lines ($(cat "$log"))"
[ "$(grep -Ec '^lockbench: run [0-9]+/9 [a-z_]+, 2 threads, rep [1-3]/3: done, elapsed [0-9]+s, ETA [0-9]+s$' "$log")" -eq 9 ] &&
  [ "$(sed -nE 's|^lockbench: run ([0-9]+)/9 .*|\1|p' "$log" | tr '\n' ' ')" = "1 2 3 4 5 6 7 8 9 " ]
check $? "one line per finished run, 1/9 to 9/9 ($(cat "$log"))"
! grep -q $'\r' "$log"
check $? "no carriage return in a log"
"$bin" "${sweep[@]}" --quiet >/dev/null 2>"$tmp/quiet.err"
! grep -q "run [0-9]*/" "$tmp/quiet.err"
check $? "--quiet: no progress ($(cat "$tmp/quiet.err"))"

# A terminal: tmux runs the user guide's progress example with short runs; the pane, captured at two
# moments, shows one status line whose k grows and whose ETA falls, and it is gone at the end.
if ! command -v tmux >/dev/null; then
  check 1 "tmux is installed (bash bazel/setup.sh installs it)"
else
  # A socket's path is limited to about 100 bytes, which the test's own directory may exceed.
  sockdir=$(mktemp -d /tmp/lockbench-tmux.XXXXXX)
  sock="$sockdir/s"
  export TERM=xterm-256color
  tmux -S "$sock" new-session -d -x 160 -y 20 -s progress "bash --norc --noprofile" &&
  tmux -S "$sock" send-keys -t progress \
    "'$bin' run --lock push_lock,eresource --threads 1,2 --repetitions 3 --duration 300ms --out '$tmp/tty.json' >/dev/null; echo exit=\$?" Enter
  check $? "tmux starts the sweep"
  pane() { tmux -S "$sock" capture-pane -p -t progress; }
  # capture_at PATTERN FILE: the first pane (polled every 10 ms, up to 30 s) matching PATTERN.
  capture_at() {
    local deadline=$((SECONDS + 30))
    while [ $SECONDS -lt $deadline ]; do
      pane >"$2"
      grep -Eq "$1" "$2" && return 0
      sleep 0.01
    done
    return 1
  }
  status='run ([0-9]+)/12 (push_lock|eresource), [12] threads?, rep [1-3]/3: +[0-9]+%, elapsed [0-9ms]+, ETA ([0-9ms]+)'
  capture_at "run [2-4]/12 .*ETA" "$tmp/pane1" && capture_at "run (9|10|11)/12 .*ETA" "$tmp/pane2"
  check $? "the pane shows the status line early and late ($(cat "$tmp/pane1" "$tmp/pane2" 2>/dev/null))"
  secs() {  # 1h02m03s, 2m05s or 7s in seconds
    [[ $1 =~ ^(([0-9]+)h)?(([0-9]+)m)?([0-9]+)s$ ]] || { echo -1; return; }
    echo $((10#${BASH_REMATCH[2]:-0} * 3600 + 10#${BASH_REMATCH[4]:-0} * 60 + 10#${BASH_REMATCH[5]}))
  }
  k1=$(grep -Eo "$status" "$tmp/pane1" | sed -E "s#$status#\1#")
  k2=$(grep -Eo "$status" "$tmp/pane2" | sed -E "s#$status#\1#")
  eta1=$(grep -Eo "$status" "$tmp/pane1" | sed -E "s#$status#\3#")
  eta2=$(grep -Eo "$status" "$tmp/pane2" | sed -E "s#$status#\3#")
  [ "$(grep -c 'ETA' "$tmp/pane1")" -eq 1 ] && [ "$(grep -c 'ETA' "$tmp/pane2")" -eq 1 ]
  check $? "one status line, redrawn in place, not one per update"
  [ -n "$k1" ] && [ -n "$k2" ] && [ "$k2" -gt "$k1" ] &&
    [ "$(secs "$eta2")" -lt "$(secs "$eta1")" ]
  check $? "k grows and the ETA falls (run $k1, ETA $eta1; then run $k2, ETA $eta2)"
  capture_at "^exit=" "$tmp/pane3"
  grep -q "^exit=0$" "$tmp/pane3" && ! grep -q "ETA" "$tmp/pane3"
  check $? "the sweep ends and its status line is cleared ($(cat "$tmp/pane3"))"
  tmux -S "$sock" kill-server 2>/dev/null
  rm -rf "$sockdir"
fi

check_finish first_run_output_test
