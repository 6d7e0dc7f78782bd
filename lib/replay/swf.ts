// Pure reader of the Standard Workload Format (SWF) of the Parallel Workloads Archive: header
// lines start with ';' ("; MaxProcs: 128"), each job is one line of 18 numbers, -1 for unknown.
// https://www.cs.huji.ac.il/labs/parallel/workload/swf.html
import { UsageError } from '../core/errors.ts';

export interface SwfJob {
  id: number; // field 1
  submit: number; // field 2, seconds from the log's start
  runTime: number; // field 4, seconds; -1 unknown
  processors: number; // field 5 (allocated), else field 8 (requested); -1 unknown
  status: number; // field 11: 1 completed, 0 failed, 5 cancelled, -1 unknown
  user: number; // field 12
}

export interface SwfTrace {
  header: Record<string, string>; // "MaxProcs" -> "128", first value of each key
  jobs: SwfJob[]; // in file order
}

const FIELDS = 18;

/** Reads an SWF file's text; anything else (a line that is not 18 numbers, no job) is refused in one line. */
export function parseSwf(text: string, source: string): SwfTrace {
  const header: Record<string, string> = {};
  const jobs: SwfJob[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    const trimmed = line.trim();
    if (trimmed === '') return;
    if (trimmed.startsWith(';')) {
      const m = /^;\s*([A-Za-z][A-Za-z0-9]*):\s*(.*?)\s*$/.exec(trimmed);
      if (m && !(m[1] in header)) header[m[1]] = m[2];
      return;
    }
    const fields = trimmed.split(/\s+/);
    if (fields.length !== FIELDS || !fields.every((f) => /^-?[0-9]+(\.[0-9]+)?$/.test(f))) {
      throw new UsageError(`${source}: line ${i + 1} is not an SWF job (${FIELDS} numbers): ${JSON.stringify(trimmed.slice(0, 60))}`);
    }
    const n = fields.map(Number);
    jobs.push({ id: n[0], submit: n[1], runTime: n[3], processors: n[4] > 0 ? n[4] : n[7], status: n[10], user: n[11] });
  });
  if (jobs.length === 0) throw new UsageError(`${source}: no job in this file (is it SWF?)`);
  return { header, jobs };
}

/** The machine's processor count: the header's MaxProcs (or MaxNodes), else the largest job's. */
export function maxProcessors(trace: SwfTrace): number {
  const declared = Number(trace.header.MaxProcs ?? trace.header.MaxNodes);
  return declared > 0 ? declared : Math.max(...trace.jobs.map((j) => j.processors));
}
