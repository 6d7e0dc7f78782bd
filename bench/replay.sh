#!/usr/bin/env bash
# The 24-hour NASA iPSC/860 window (test/fixtures/traces) replayed three times on NODES nodes:
# elastic, elastic with the four faults (seed 7), and the static baseline (every node on). At the
# default speedup 120 a run takes about 15 minutes (its last job ends 105,444 trace seconds in).
# Figures printed, each run's summary.json and timeline picture kept in OUT.
# Usage: bench/replay.sh [SPEEDUP] [NODES] [OUT] [MIDDLEWARE]   (needs: npm run images -- slurm|sge)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
speedup=${1:-120} nodes=${2:-16} out=${3:-/tmp/ec4docker-bench-replay} middleware=${4:-slurm}
trace=$ROOT/test/fixtures/traces/NASA-iPSC-1993-3.1-cln.window.swf
rm -rf "$out"
replay() { (cd "$ROOT" && npm run --silent replay -- --trace "$trace" --speedup "$speedup" --nodes "$nodes" --middleware "$middleware" "$@") >/dev/null; }
replay --baseline static --out "$out/plain"
replay --faults --seed 7 --out "$out/faults"
node - "$out" <<'JS'
const [out] = process.argv.slice(2);
const read = (run) => JSON.parse(require('node:fs').readFileSync(`${out}/${run}/summary.json`, 'utf8'));
const plain = read('plain'), faults = read('faults'), fixed = plain.baseline;
const row = (name, s) => [name, s.jobs, s.completed, s.lost, s.run_twice, s.busy_powered_off, Math.round(s.node_seconds),
  (s.node_seconds / s.oracle_node_seconds).toFixed(3), (s.node_seconds / fixed.node_seconds).toFixed(3), s.wait_p50_s, s.wait_p95_s, s.wait_max_s];
console.log(`speedup ${plain.speedup}; oracle ${Math.round(plain.oracle_node_seconds)} node-s`);
console.log(['run', 'jobs', 'done', 'lost', 'twice', 'busy_off', 'node_s', '/oracle', '/static', 'wait_p50', 'wait_p95', 'wait_max'].join('\t'));
for (const r of [row('elastic', plain), row('faults', faults), row('static', fixed)]) console.log(r.join('\t'));
console.log(`added wait against static: p50 ${(plain.wait_p50_s - fixed.wait_p50_s).toFixed(1)} s, p95 ${(plain.wait_p95_s - fixed.wait_p95_s).toFixed(1)} s`);
const split = (s) => Object.entries(s.node_seconds_split ?? {}).map(([k, v]) => `${k} ${Math.round(v)} (${(100 * v / s.oracle_node_seconds).toFixed(1)} %)`).join(', ');
console.log(`elastic node-seconds by phase (share of the oracle): ${split(plain)}`);
console.log(`static node-seconds by phase: ${split(fixed)}`);
console.log(`faults: ${faults.faults.map((f) => `${f.kind}${f.node ? ` ${f.node}` : ''} at ${f.t} s`).join('; ')}`);
JS
echo "pictures: $out/plain/timeline.png, $out/faults/timeline.png"
