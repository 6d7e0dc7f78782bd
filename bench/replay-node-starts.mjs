// One node start, measured in a replay's own run: for each time a node was powered on, from the
// power-on decision (the event log's power_on) and from its container's start to the first job
// that started on it. Prints the medians and 95th percentiles, the yardstick of the added wait.
// Usage: node bench/replay-node-starts.mjs DIR   (DIR: a replay's --out, elastic run only)
import { readdirSync, readFileSync } from 'node:fs';

const dir = process.argv[2];
if (!dir) throw new Error('usage: node bench/replay-node-starts.mjs DIR');
const elastic = readdirSync(dir).find((f) => /^replaye.*\.records\.json$/.test(f));
if (!elastic) throw new Error(`${dir}: no replaye*.records.json (the elastic run's records)`);
const recorded = JSON.parse(readFileSync(`${dir}/${elastic}`, 'utf8'));
const events = readFileSync(`${dir}/${elastic.replace('.records.json', '.events.jsonl')}`, 'utf8')
  .split('\n').filter(Boolean).map((l) => JSON.parse(l))
  .filter((e) => e.action === 'power_on').map((e) => ({ node: e.node, at: Date.parse(e.time) / 1000 }));

const quantile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(q * s.length))] : NaN;
};
const fromStart = [];
const fromDecision = [];
for (const p of recorded.power) {
  const until = p.off ?? recorded.end;
  const first = Math.min(...recorded.runs.filter((r) => r.nodes.includes(p.node) && r.start >= p.on && r.start < until).map((r) => r.start));
  if (!Number.isFinite(first)) continue; // powered on, and off again with no job (kept warm, or beaten to it)
  fromStart.push(first - p.on);
  const decided = events.filter((e) => e.node === p.node && e.at <= p.on && p.on - e.at < 30).at(-1);
  if (decided) fromDecision.push(first - decided.at);
}
const line = (name, xs) => `${name}: median ${quantile(xs, 0.5).toFixed(2)} s, p95 ${quantile(xs, 0.95).toFixed(2)} s (${xs.length} power-ons)`;
console.log(line('power-on decided -> first job started', fromDecision));
console.log(line('container started -> first job started', fromStart));
