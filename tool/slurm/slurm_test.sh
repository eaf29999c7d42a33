#!/usr/bin/env bash
# The Slurm recipe run for real (docs/ci_gate.md, "Slurm"): a one-node
# cluster on this machine (munged, slurmctld and slurmd with a configuration in a temporary
# directory, all stopped at the end, even on failure), a 3-slice array sweep of the bundle's
# lockbench and its merge job submitted by submit.sh; the merged file passes the schema and
# holds the unsharded sweep's runs, the notebook ran on it, and a slice left out is named.
# Needs root and Debian's slurmctld, slurmd, slurm-client and munge (bazel/setup.sh): tagged
# manual, run by .ci/run.
#   slurm_test.sh BUNDLE-DIR   (the directory holding lockbench-VERSION-linux-ARCH.tar.gz)
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/../../bazel/check_lib.sh" 2>/dev/null || source "$here/../bazel/check_lib.sh" || exit 1
slurm_dir=$here
[ -f "$slurm_dir/submit.sh" ] || slurm_dir=$here/slurm
bundle_dir=$(cd "$1" && pwd)

tmp=$(mktemp -d "${TEST_TMPDIR:-/tmp}/slurm.XXXXXX")
chmod 700 "$tmp"
munge=""
pids=()
cleanup() {
  local p
  scancel --quiet --user=root 2>/dev/null
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
  rm -rf "$tmp" ${munge:+"$munge"}
}
trap cleanup EXIT
started=$SECONDS

# The daemons are in /usr/sbin, which a test's PATH leaves out.
PATH=$PATH:/usr/sbin:/sbin
for d in munged slurmctld slurmd sbatch squeue sinfo; do
  command -v "$d" >/dev/null || { echo "FAIL: $d is not installed (bash bazel/setup.sh)" >&2; exit 1; }
done

# The bundle, extracted: its binary, notebook and schema are what the jobs use.
tar xzf "$bundle_dir"/lockbench-*-linux-*.tar.gz -C "$tmp"
check $? "the bundle extracts"
root=$(ls -d "$tmp"/lockbench-*/)
bin=$root/bin/lockbench

# munge: a key of its own and its files in a temporary directory (munged refuses to run as root
# without --force). A Unix socket's path is at most 107 bytes, shorter than Bazel's test
# directories: munge's files and slurmd's spool (its step sockets) go in a short one in /tmp.
munge=$(mktemp -d /tmp/lockbench-munge.XXXXXX)
dd if=/dev/urandom of="$munge/munge.key" bs=1024 count=1 status=none
chmod 400 "$munge/munge.key"
socket=$munge/socket
munged --force -F --key-file="$munge/munge.key" --socket="$socket" \
  --pid-file="$munge/munged.pid" --log-file="$munge/munged.log" \
  --seed-file="$munge/munged.seed" 2>"$munge/stderr" &
pids+=($!)
wait_for 10 test -S "$socket"
check $? "munged starts ($(cat "$munge/stderr" "$munge/munged.log" 2>/dev/null | tail -3))"

host=$(hostname -s)
port=$((20000 + RANDOM % 20000))
mkdir -p "$tmp/state" "$munge/spool" "$tmp/out"
export SLURM_CONF=$tmp/slurm.conf
cat >"$SLURM_CONF" <<CONF
ClusterName=lockbench
SlurmctldHost=$host
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$socket
CredType=cred/munge
StateSaveLocation=$tmp/state
SlurmdSpoolDir=$munge/spool
SlurmctldPidFile=$tmp/slurmctld.pid
SlurmdPidFile=$tmp/slurmd.pid
SlurmctldLogFile=$tmp/slurmctld.log
SlurmdLogFile=$tmp/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
ReturnToService=2
NodeName=$host CPUs=$(nproc) State=UNKNOWN
PartitionName=bench Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
slurmctld -D -i -f "$SLURM_CONF" 2>"$tmp/slurmctld.stderr" &
pids+=($!)
slurmd -D -f "$SLURM_CONF" 2>"$tmp/slurmd.stderr" &
pids+=($!)
node_idle() { [ "$(sinfo -h -N -o %t 2>/dev/null)" = "idle" ]; }
wait_for 60 node_idle
check $? "the node comes up idle ($(sinfo -N 2>&1 | tail -1); $(tail -3 "$tmp/slurmctld.log" "$tmp/slurmd.log" 2>&1))"

# The sweep: 3 locks x 2 thread counts, 6 runs, in 3 slices.
sweep=(--lock shared_mutex,push_lock,eresource --threads 1,2 --duration 20ms --warmup 0 --repetitions 1)
out=$tmp/out
bash "$slurm_dir/submit.sh" --bin "$bin" --out "$out" --shards 3 \
  --notebook "$root/results/notebooks/lockbench.ipynb" -- "${sweep[@]}" >"$tmp/submit.out" 2>&1
check $? "submit.sh submits ($(cat "$tmp/submit.out"))"
array=$(sed -n 's/^array \([0-9]*\)$/\1/p' "$tmp/submit.out")
merge=$(sed -n 's/^merge \([0-9]*\)$/\1/p' "$tmp/submit.out")
[ -n "$array" ] && [ -n "$merge" ]
check $? "it prints the array's and the merge job's ids ($(tr '\n' ' ' <"$tmp/submit.out"))"
echo "slurm: array job $array, merge job $merge"
squeue -h -j "$merge" -o "%i %E" >"$tmp/merge-dep" 2>&1
grep -q "afterok:${array}" "$tmp/merge-dep"
check $? "the merge job waits for the array (afterok) ($(cat "$tmp/merge-dep"))"

queue_empty() { [ -z "$(squeue -h -o %i 2>/dev/null)" ] && squeue >/dev/null 2>&1; }
wait_for 200 queue_empty
check $? "the array and the merge job leave the queue ($(squeue 2>&1))"

for k in 1 2 3; do
  [ "$(cat "$out/shard-$k.rc" 2>/dev/null)" = 0 ] && [ -s "$out/shard-$k.json" ]
  check $? "array task $k ran its slice (rc $(cat "$out/shard-$k.rc" 2>/dev/null); $(tail -3 "$out/shard-$k.log" 2>/dev/null))"
done
[ "$(cat "$out/merge.rc" 2>/dev/null)" = 0 ]
check $? "the merge job succeeded (rc $(cat "$out/merge.rc" 2>/dev/null); $(tail -5 "$out/merge.log" 2>/dev/null))"
python3 "$root/results/validate_result.py" "$root/results/result_schema.json" "$out/merged.json"
check $? "the merged file passes the schema"

python3 - "$out" "$array" <<'PY' >"$tmp/shards.txt" 2>&1
import json, sys
out, array = sys.argv[1], sys.argv[2]
merged = json.load(open(f"{out}/merged.json"))
total = 0
for k in (1, 2, 3):
    shard = json.load(open(f"{out}/shard-{k}.json"))
    s = shard["config"]["shard"]
    assert (s["index"], s["count"]) == (k, 3), s
    assert s["runs"] == len(shard["runs"]) > 0, (s, len(shard["runs"]))
    total += s["runs"]
    print(f"slurm: array task {array}_{k}: shard {k}/3, {s['runs']} of {s['sweep_runs']} runs")
    sweep_runs = s["sweep_runs"]
assert total == sweep_runs == len(merged["runs"]), (total, sweep_runs, len(merged["runs"]))
print(f"slurm: merged.json: {len(merged['runs'])} runs = the unsharded plan's {sweep_runs}")
PY
check $? "the slices hold every run of the sweep once ($(cat "$tmp/shards.txt"))"
cat "$tmp/shards.txt"
# The same sweep unsharded, on this machine: the same runs (lock, threads, repetition).
"$bin" run "${sweep[@]}" --out "$tmp/whole.json" >/dev/null 2>&1
python3 - "$tmp/whole.json" "$out/merged.json" <<'PY2' >"$tmp/whole.txt" 2>&1
import json, sys
whole, merged = (json.load(open(p)) for p in sys.argv[1:])
key = lambda r: (r["lock"], r["threads"], r.get("repetition"))
assert sorted(map(key, whole["runs"])) == sorted(map(key, merged["runs"])), (whole["runs"], merged["runs"])
print(f"slurm: the unsharded sweep: {len(whole['runs'])} runs, merged: {len(merged['runs'])}")
PY2
check $? "the merged runs are the unsharded sweep's ($(cat "$tmp/whole.txt"))"
cat "$tmp/whole.txt"
[ -s "$out/lockbench.html" ] && grep -q "runs from 1 file" "$out/lockbench.html"
check $? "the merge job executed the overview notebook on the merged file ($(tail -3 "$out/merge.log" 2>/dev/null))"

# A slice left out on purpose: merge names it and writes nothing.
"$bin" merge "$tmp/partial.json" "$out/shard-1.json" "$out/shard-3.json" 2>"$tmp/partial.err"
rc=$?
[ "$rc" -eq 2 ] && grep -q "lacks 2/3" "$tmp/partial.err" && [ ! -e "$tmp/partial.json" ]
check $? "a merge without slice 2 exits 2 naming it (rc $rc: $(cat "$tmp/partial.err"))"

echo "slurm: the test took $((SECONDS - started)) s"
check_finish slurm_test
