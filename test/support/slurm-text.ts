// Slurm's text outputs (sinfo -o, squeue -o), read into the same records as the JSON ones: the
// recorded text fixtures are read with these. ec4docker itself reads only --json (lib/slurm/state.ts).
import { SHORT_BASES, type SlurmJob, type SlurmNode, slurmJob as job, slurmNode as node } from '../../lib/slurm/state.ts';

function lines(text: string): string[] {
  return text.split('\n').map((l) => l.replace(/\r$/, '')).filter((l) => l.trim() !== '');
}

// sinfo prints one suffix only: `*` hides nothing else, but `#` hides NOT_RESPONDING (02: alloc#).
const SUFFIX_FLAGS: Record<string, string> = {
  '*': 'NOT_RESPONDING', '~': 'POWERED_DOWN', '#': 'POWERING_UP', '%': 'POWERING_DOWN', '!': 'POWER_DOWN',
  '$': 'MAINTENANCE', '@': 'REBOOT_REQUESTED', '^': 'REBOOT_ISSUED', '-': 'PLANNED',
};

/** Parses `sinfo -h -N -o '%N|%t|%T|%E|%H|%C|%m'`. */
export function parseSinfoText(text: string): SlurmNode[] {
  return lines(text).map((line, i) => {
    const f = line.split('|');
    if (f.length < 7) throw new Error(`sinfo line ${i + 1}: expected 7 '|'-separated fields: ${line}`);
    // The reason is free text and may contain '|': the fields around it are fixed.
    const [name, short] = f;
    const [alloc, , , total] = (f[f.length - 2].match(/\d+/g) ?? []).map(Number);
    const m = /^([a-z_]+)(\W*)$/.exec(short.toLowerCase());
    if (!m) throw new Error(`sinfo line ${i + 1}: unknown state '${short}'`);
    const flags = new Set([...m[2]].map((c) => SUFFIX_FLAGS[c]).filter(Boolean));
    const reason = f.slice(3, -3).join('|');
    return node(name, short, SHORT_BASES[m[1]] ?? 'unknown', flags, {
      reason: reason === 'none' ? '' : reason,
      cpus: total ?? 0,
      allocCpus: alloc ?? 0,
      memoryMb: Number(f[f.length - 1]) || 0,
    });
  });
}

/**
 * Parses `squeue -h -o '%i|%T|%r|%N|%D|%C|%M|%u'` (8 fields) or the pending-jobs format
 * `squeue -h -t PD -o '%i|%T|%r|%D|%C|%m|%P|%u|%j|%V'` (10 fields).
 */
export function parseSqueueText(text: string): SlurmJob[] {
  return lines(text).map((line, i) => {
    const f = line.split('|');
    if (f.length !== 8 && f.length !== 10) throw new Error(`squeue line ${i + 1}: expected 8 or 10 '|'-separated fields: ${line}`);
    const all = f.length === 8;
    return job({
      id: f[0], state: f[1], reason: f[2], nodes: all ? f[3] : '', nodeCount: Number(all ? f[4] : f[3]),
      cpus: Number(all ? f[5] : f[4]), partition: all ? '' : f[6], user: f[7], name: all ? '' : f[8],
      requiredNodes: '',
    });
  });
}

