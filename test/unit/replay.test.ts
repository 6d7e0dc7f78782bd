import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { everyJobEnded, MID_JOB_MARGIN_SECONDS, nodesMidJob, nodesStillBooting, planFaults } from '../../lib/replay/faults.ts';
import { busyPoweredOff, type JobRecord, nodeSeconds, outcome, percentile, splitNodeSeconds, timeline } from '../../lib/replay/outcome.ts';
import { submitScript, submittedTimes } from '../../lib/replay/schedulers.ts';
import { maxProcessors, parseSwf } from '../../lib/replay/swf.ts';
import { oracleNodeSeconds, planReplay } from '../../lib/replay/workload.ts';

const windowText = readFileSync('test/fixtures/traces/NASA-iPSC-1993-3.1-cln.window.swf', 'utf8');
const nasa = parseSwf(windowText, 'window.swf');

describe('SWF', () => {
  it('reads the NASA window: 169 jobs, its header, each job\'s fields', () => {
    expect(nasa.jobs).toHaveLength(169);
    expect(nasa.header).toMatchObject({ MaxProcs: '128', MaxNodes: '128', Computer: 'Intel iPSC/860', MaxJobs: '169' });
    expect(nasa.jobs[0]).toEqual({ id: 18671, submit: 0, runTime: 1172, processors: 64, status: -1, user: 4 });
    expect(maxProcessors(nasa)).toBe(128);
  });

  it('refuses what is not SWF, in one line naming the line', () => {
    expect(() => parseSwf('; MaxProcs: 8\n1 0 -1 10 4\n', 'short.swf')).toThrow('short.swf: line 2 is not an SWF job (18 numbers): "1 0 -1 10 4"');
    expect(() => parseSwf('{"jobs": []}\n', 'x.json')).toThrow('x.json: line 1 is not an SWF job');
    expect(() => parseSwf('; only a header\n', 'empty.swf')).toThrow('empty.swf: no job in this file (is it SWF?)');
  });

  it('takes the requested processors when the allocated ones are unknown', () => {
    const t = parseSwf('1 5 -1 10 -1 -1 -1 16 -1 -1 1 2 1 -1 -1 -1 -1 -1\n', 't.swf');
    expect(t.jobs[0].processors).toBe(16);
    expect(maxProcessors(t)).toBe(16);
  });
});

describe('replay plan', () => {
  it('maps processors onto nodes (at least one) and divides times by the speedup', () => {
    const plan = planReplay(nasa, { speedup: 120, nodes: 16 });
    expect(plan.jobs).toHaveLength(169);
    expect(plan.jobs[0]).toEqual({ id: 18671, submitAt: 0, runFor: 1172 / 120, nodes: 8 }); // 64 of 128 procs
    expect(plan.jobs[1]).toMatchObject({ id: 18689, submitAt: 1222 / 120 });
    expect(Math.min(...plan.jobs.map((j) => j.nodes))).toBe(1);
    expect(Math.max(...plan.jobs.map((j) => j.nodes))).toBeLessThanOrEqual(16);
    expect(plan.jobs.every((j, i) => i === 0 || j.submitAt >= plan.jobs[i - 1].submitAt)).toBe(true);
  });

  it('cuts a window and rebases its submit times', () => {
    const plan = planReplay(nasa, { speedup: 1, nodes: 16, window: { start: 3600, hours: 2 } });
    expect(plan.jobs.length).toBeGreaterThan(0);
    expect(plan.jobs.every((j) => j.submitAt >= 0 && j.submitAt < 7200)).toBe(true);
    expect(plan.jobs.length).toBe(nasa.jobs.filter((j) => j.submit >= 3600 && j.submit < 3600 + 7200).length);
  });

  it('refuses a speedup of 0 or less, an empty window, and a job bigger than the machine', () => {
    expect(() => planReplay(nasa, { speedup: 0, nodes: 4 })).toThrow('--speedup must be a number above 0, got 0');
    expect(() => planReplay(nasa, { speedup: -2, nodes: 4 })).toThrow('--speedup must be a number above 0');
    expect(() => planReplay(nasa, { speedup: 10, nodes: 4, window: { start: 10 ** 9, hours: 1 } })).toThrow('no job is submitted in that window');
    const big = parseSwf('; MaxProcs: 8\n7 0 -1 10 16 -1 -1 -1 -1 -1 1 2 1 -1 -1 -1 -1 -1\n', 'big.swf');
    expect(() => planReplay(big, { speedup: 1, nodes: 4 })).toThrow('job 7 asks 16 processors, more than the machine\'s 8 (MaxProcs): it can never run');
  });

  it('counts jobs without a run time or processors as skipped, not replayed', () => {
    const t = parseSwf('1 0 -1 10 4 -1 -1 -1 -1 -1 1 1 1 -1 -1 -1 -1 -1\n2 1 -1 -1 4 -1 -1 -1 -1 -1 5 1 1 -1 -1 -1 -1 -1\n', 't.swf');
    expect(planReplay(t, { speedup: 1, nodes: 2 })).toMatchObject({ skipped: 1, jobs: [{ id: 1 }] });
  });

  it('gives the perfect-packing bound: nodes × run time, summed', () => {
    expect(oracleNodeSeconds([{ id: 1, submitAt: 0, runFor: 10, nodes: 2 }, { id: 2, submitAt: 1, runFor: 4, nodes: 1 }])).toBe(24);
  });
});

describe('replay outcome', () => {
  const job = (id: number, submitted: number, starts: number[], ends: number[], due?: number): JobRecord => ({ id, submitted, starts, ends, due });

  it('counts lost jobs, jobs run to their end twice, and waits from the first start', () => {
    const o = outcome(
      [job(1, 100, [101], [110]), job(2, 100, [103, 120], [130]), job(3, 100, [], []), job(4, 100, [102, 104], [109, 111])],
      [{ node: 'n1', on: 100, off: 115 }, { node: 'n2', on: 110 }],
      130,
    );
    expect(o).toEqual({ jobs: 4, completed: 3, lost: 1, run_twice: 1, node_seconds: 35, wait_p50_s: 2, wait_p95_s: 3, wait_max_s: 3, submit_lag_p95_s: 0, submit_lag_max_s: 0 });
  });

  it('measures how late the harness submitted each job against its due time; early counts as on time', () => {
    const o = outcome([job(1, 100.5, [101], [110], 100), job(2, 104, [105], [106], 101), job(3, 99, [100], [101], 100)], [], 130);
    expect(o).toMatchObject({ submit_lag_p95_s: 3, submit_lag_max_s: 3 });
  });

  it('takes nearest-rank percentiles, and nothing for no value', () => {
    expect(percentile([5, 1, 4, 2, 3], 50)).toBe(3);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 95)).toBe(10);
    expect(percentile([], 50)).toBe(0);
    expect(nodeSeconds([{ node: 'a', on: 5, off: 3 }], 10)).toBe(0);
  });

  it('splits every second a node was on: jobs, before the first, short and long gaps, after the last', () => {
    const power = [
      { node: 'n1', on: 100, off: 140 }, // boot 2, job 102-110, hand-off 2, job 112-120 (and a second job 115-125 beside it), gap 7, job 132-135, tail 5
      { node: 'n2', on: 100, off: 104 }, // on, never used
      { node: 'n3', on: 100 }, // still on at the end (150): a run cut short by the end
    ];
    const runs = [
      { id: 1, nodes: ['n1', 'n3'], start: 102, end: 110 },
      { id: 2, nodes: ['n1'], start: 112, end: 120 },
      { id: 3, nodes: ['n1'], start: 115, end: 125 },
      { id: 4, nodes: ['n1'], start: 132, end: 135 },
      { id: 5, nodes: ['n3'], start: 140 },
      { id: 6, nodes: ['n2'], start: 200, end: 210 }, // after its node went off: not counted
    ];
    const split = splitNodeSeconds(runs, power, 150);
    expect(split).toEqual({ in_jobs: 8 + 13 + 3 + 8 + 10, before_first_job: 2 + 4 + 2, short_gaps: 2, long_gaps: 7 + 30, after_last_job: 5 });
    expect(Object.values(split).reduce((a, b) => a + b, 0)).toBe(nodeSeconds(power, 150));
  });
});

describe('replay faults and history', () => {
  it('draws each fault once, between 10 % and 70 % of the replay, the same for the same seed', () => {
    const faults = planFaults(100, 7);
    expect(faults.map((f) => f.kind).sort()).toEqual(['kill_busy_node', 'kill_monitor', 'restart_frontend', 'stop_booting_node']);
    expect(faults.every((f) => f.at >= 10 && f.at <= 70)).toBe(true);
    expect(faults.find((f) => f.kind === 'stop_booting_node')!.at).toBeLessThanOrEqual(30);
    expect(planFaults(100, 7)).toEqual(faults);
    expect(planFaults(100, 8)).not.toEqual(faults);
  });

  it('kills only a node whose job has time left: not one whose job has ended or is about to', () => {
    const marks = new Map([
      [1, { starts: [{ at: 100, nodes: ['n1', 'n2'] }], ends: [] }], // 10 s run: 5 s left at 105
      [2, { starts: [{ at: 104, nodes: ['n3'] }], ends: [] }], // 1.5 s run: 0.5 s left
      [3, { starts: [{ at: 101, nodes: ['n4'] }], ends: [102] }], // ended (the scheduler may not know yet)
      [4, { starts: [{ at: 90, nodes: ['n4'] }, { at: 103, nodes: ['n5'] }], ends: [95] }], // run again, mid-run
      [5, { starts: [{ at: 104, nodes: ['n6'] }], ends: [] }], // not a job of this replay
    ]);
    const runFor = new Map([[1, 10], [2, 1.5], [3, 10], [4, 10]]);
    expect(nodesMidJob(marks, runFor, 105, 1)).toEqual(['n1', 'n2', 'n5']);
    expect(nodesMidJob(marks, runFor, 112.5, 1)).toEqual([]);
    // the replay's margin: job 1's 4.5 s left are too few for the loss to reach the scheduler first
    expect(nodesMidJob(marks, runFor, 105.5, MID_JOB_MARGIN_SECONDS)).toEqual(['n5']);
    expect(everyJobEnded(marks, runFor)).toBe(false);
    expect(everyJobEnded(marks, new Map([[3, 10]]))).toBe(true);
    expect(everyJobEnded(marks, new Map([[3, 10], [6, 1]]))).toBe(false); // job 6 not started yet
  });

  it('takes for booting only a node that has run no job since its container started', () => {
    const marks = new Map([[1, { starts: [{ at: 50, nodes: ['n1'] }, { at: 120, nodes: ['n2', 'n3'] }], ends: [125] }]]);
    // n2 ran job 1 after it started (its end may not have reached the scheduler); n1's run was before its restart
    expect(nodesStillBooting([{ node: 'n1', startedAt: 100 }, { node: 'n2', startedAt: 110 }, { node: 'n4', startedAt: 130 }], marks)).toEqual(['n1', 'n4']);
    expect(nodesStillBooting([], marks)).toEqual([]);
  });

  it('counts a node that died inside a run of a job on it, unless a fault killed it', () => {
    const runs = [{ id: 1, nodes: ['n1', 'n2'], start: 10, end: 20 }, { id: 2, nodes: ['n3'], start: 10 }];
    expect(busyPoweredOff(runs, [{ node: 'n2', at: 15 }, { node: 'n1', at: 25 }, { node: 'n3', at: 30 }], [{ node: 'n3', at: 30.5 }])).toBe(1);
  });

  it('does not count a node that went off after a fault cut its job short, before the job started again', () => {
    const runs = [{ id: 1, nodes: ['n1', 'n2'], start: 10, end: 40 }, { id: 1, nodes: ['n3', 'n4'], start: 40, end: 50 }]; // killed, requeued at 40
    const deaths = [{ node: 'n1', at: 12 }, { node: 'n2', at: 20 }, { node: 'n1', at: 30 }, { node: 'n4', at: 45 }];
    expect(busyPoweredOff(runs, deaths, [{ node: 'n1', at: 12.2 }])).toBe(1); // n4 only: n2 and n1 went off idle
  });

  it('follows nodes on, nodes busy and jobs waiting, second by second', () => {
    const jobs: JobRecord[] = [{ id: 1, submitted: 100, starts: [102], ends: [104] }];
    const points = timeline(jobs, [{ id: 1, nodes: ['n1', 'n2'], start: 102, end: 104 }], [{ node: 'n1', on: 101, off: 106 }, { node: 'n2', on: 101.5 }], 100, 105);
    expect(points.map((p) => [p.t, p.on, p.busy, p.waiting])).toEqual([[0, 0, 0, 1], [1, 1, 0, 1], [2, 2, 2, 0], [3, 2, 2, 0], [4, 2, 0, 0], [5, 2, 0, 0]]);
  });
});

describe('the replay submits the jobs due together in one script', () => {
  const runScript = (commands: string[][]) => spawnSync('bash', ['-s'], { input: submitScript(commands), encoding: 'utf8' });

  it('runs them in order, arguments intact, and says when each was accepted', () => {
    const before = Date.now() / 1000;
    const r = runScript([['bash', '-c', 'printf "%s|" "$@" >&2', '_', 'a b', "it's", '$HOME'], ['sleep', '0.2'], ['bash', '-c', 'echo 2 >&2']]);
    const after = Date.now() / 1000;
    expect(r.status).toBe(0);
    expect(r.stderr).toBe("a b|it's|$HOME|2\n");
    const times = submittedTimes(r.stdout);
    expect(times).toHaveLength(3);
    expect(times[0]).toBeGreaterThanOrEqual(before);
    expect(times[1] - times[0]).toBeGreaterThanOrEqual(0.2); // each command's own return, not the script's start
    expect(times[2]).toBeLessThanOrEqual(after);
  });

  it('stops at the first refused, so the rest can be submitted again, and none twice', () => {
    const r = runScript([['true'], ['false'], ['true']]);
    expect(r.status).toBe(1);
    expect(submittedTimes(r.stdout)).toHaveLength(1);
  });

  it('reads a decimal comma, and counts a submit whose time is unreadable (NaN) rather than submit it again', () => {
    expect(submittedTimes('ec4d-replay: submitted 1796287977,812\nnoise\nec4d-replay: submitted\n')).toEqual([1796287977.812, NaN]);
  });
});
