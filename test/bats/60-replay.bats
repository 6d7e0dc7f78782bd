#!/usr/bin/env bats
# npm run replay: a slice of a real trace (NASA iPSC/860, 31 jobs) at 200x, with faults injected:
# no job lost, none run twice, no busy node powered off; the figures and the picture are written.

setup() { load helpers; }

# Shown only when the test fails: what the replay recorded, and what the monitor and the scheduler
# logged (events; slurmctld's allocations, requeues, restarts and node states), to tell why.
show_records() {
  jq -c '{faults, deaths, runs}' "$1"/*.records.json
  cut -c1-300 "$1"/*.events.jsonl 2>/dev/null
  grep -hE 'Allocate|requeue|Requeu|wrong node|missing from|started on cluster|Terminate signal|state set to' "$1"/*.slurmctld.log 2>/dev/null || true
}

TRACE=test/fixtures/traces/NASA-iPSC-1993-3.1-cln.window.swf

@test "a 31-job slice with faults: 0 lost, 0 run twice, 0 busy nodes powered off, and the timeline drawn" {
  out="$BATS_TEST_TMPDIR/replay"
  run -0 npm run -s replay -- --trace "$TRACE" --window 32400,2 --speedup 200 --nodes 4 --faults --seed 7 --out "$out"
  assert_line --regexp '^replay: 31 jobs \(0 skipped\) over [0-9]+ s on 4 nodes, speedup 200, 4 faults$'
  show_records "$out"
  run -0 jq -c '[.jobs, .completed, .lost, .run_twice, .busy_powered_off, (.faults | length), .speedup]' "$out/summary.json"
  assert_output '[31,31,0,0,0,4,200]'
  # the figures are real: node time above the perfect packing, below every node on all the time
  run -0 jq '.node_seconds > .oracle_node_seconds and .node_seconds < .static_node_seconds and .wait_p95_s >= .wait_p50_s' "$out/summary.json"
  assert_output true
  run -0 jq -r '[.faults[] | .kind] | sort | join(" ")' "$out/summary.json"
  assert_output 'kill_busy_node kill_monitor restart_frontend stop_booting_node'
  run -0 head -c 4 "$out/timeline.svg"
  assert_output '<svg'
  run -0 bash -c "head -c 8 '$out/timeline.png' | od -An -c | tr -d ' '"
  assert_output --partial 'PNG'
  # the replay's cluster is gone
  run -0 bash -c "docker ps -aq --filter label=org.ec4docker.cluster | xargs -r docker inspect -f '{{index .Config.Labels \"org.ec4docker.cluster\"}}' | grep '^replay' || true"
  assert_output ""
}

@test "the same slice on Grid Engine (--middleware sge), with faults: 0 lost, 0 run twice, 0 busy nodes powered off" {
  out="$BATS_TEST_TMPDIR/replay-sge"
  run -0 npm run -s replay -- --trace "$TRACE" --window 32400,2 --speedup 200 --nodes 4 --faults --seed 7 --middleware sge --out "$out"
  show_records "$out"
  run -0 jq -c '[.jobs, .completed, .lost, .run_twice, .busy_powered_off, .speedup]' "$out/summary.json"
  assert_output '[31,31,0,0,0,200]'
  # every fault found its target: a busy node and a booting one (Grid Engine's 'u'), not the frontend
  run -0 jq -r '[.faults[] | "\(.kind) \(.node // "-") \(.note // "")"] | sort | .[]' "$out/summary.json"
  assert_line --regexp '^kill_busy_node replay[0-9a-f]+n[1-4] $'
  assert_line --regexp '^stop_booting_node replay[0-9a-f]+n[1-4] $'
}

@test "bad input to replay: one line naming the problem, exit 2, nothing made" {
  out="$BATS_TEST_TMPDIR/none"
  run -2 npm run -s replay -- --trace package.json --speedup 10 --nodes 2 --out "$out"
  assert_output 'replay: package.json: line 1 is not an SWF job (18 numbers): "{"'
  run -2 npm run -s replay -- --trace "$TRACE" --speedup 0 --nodes 2 --out "$out"
  assert_output 'replay: --speedup must be a number above 0, got 0'
  run -2 npm run -s replay -- --trace "$TRACE" --window 999999999,1 --speedup 10 --nodes 2 --out "$out"
  assert_output 'replay: --window 999999999,1: no job is submitted in that window'
  run -2 npm run -s replay -- --trace "$TRACE" --speedup 10 --out "$out"
  assert_output 'replay: --nodes is required (see --help)'
  run -2 npm run -s replay -- --trace "$TRACE" --speedup 10 --nodes 2 --middleware torque --out "$out"
  assert_output 'replay: --middleware torque: the replay knows slurm and sge'
  [ ! -e "$out" ]
}
