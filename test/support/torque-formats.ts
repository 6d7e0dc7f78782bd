// Torque's text outputs (pbsnodes -a, qstat -f, qstat -Qf), read into the same records as the XML ones: the
// recorded text fixtures are read with these. ec4docker itself reads only the XML ones (lib/torque/state.ts).
import { failOnError, type TorqueJob, type TorqueNode, torqueJob, torqueNode } from '../../lib/torque/state.ts';

/** Parses `pbsnodes -a` text: blocks of a name line and '     key = value' lines, blank-line separated. */
export function parsePbsnodesText(text: string): TorqueNode[] {
  failOnError(text);
  const nodes: TorqueNode[] = [];
  let attrs: Record<string, string> | undefined;
  let name = '';
  const flush = () => {
    if (attrs) nodes.push(torqueNode(name, attrs));
    attrs = undefined;
  };
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '');
    // The message fixture ends with a line of 40 spaces: whitespace-only counts as blank.
    if (!line.trim()) {
      flush();
    } else if (/^\S/.test(line)) {
      flush();
      name = line.trim();
      attrs = {};
    } else if (attrs) {
      const m = /^\s+([^=]+?)\s*=\s?(.*)$/.exec(line);
      if (m) attrs[m[1]] = m[2].trim();
    }
  }
  flush();
  return nodes;
}

/**
 * Parses `qstat -f` text. Long values wrap at ~78 columns onto lines starting with a TAB, joined
 * without a space (the wrap cuts words: 'leuve' + 'n-user'), and a continuation can be a lone TAB:
 * records are split on 'Job Id: ', never on blank lines.
 */
export function parseQstatFullText(text: string): TorqueJob[] {
  return records(text, 'Job Id:').map(([id, attrs]) => torqueJob(id, attrs));
}

/** Parses `qstat -Qf` text into queue name → attributes (wrapped values joined as in qstat -f). */
export function parseQstatQueuesText(text: string): Record<string, Record<string, string>> {
  return Object.fromEntries(records(text, 'Queue:'));
}

/** Records of `qstat -f` / `qstat -Qf`: 'Job Id: X' (or 'Queue: X') then '    key = value' and TAB continuations. */
function records(text: string, header: string): Array<[string, Record<string, string>]> {
  const out: Array<[string, Record<string, string>]> = [];
  let attrs: Record<string, string> | undefined;
  let last = '';
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '');
    if (line.startsWith(header)) {
      attrs = {};
      last = '';
      out.push([line.slice(header.length).trim(), attrs]);
    } else if (!attrs) {
      continue;
    } else {
      const m = line.startsWith('\t') ? null : /^\s+([^=\s]+) = ?(.*)$/.exec(line);
      if (m) {
        last = m[1];
        attrs[last] = m[2];
      } else if (last && /^\s/.test(line)) {
        // TAB in qstat -f; the qstat -Qf capture indents 'lete:0' with 8 spaces instead.
        attrs[last] += line.replace(/^\s+/, '');
      }
    }
  }
  // A value that wraps ends where its last continuation ends; trailing spaces ('lete:0 ') are noise.
  for (const [, a] of out) for (const k of Object.keys(a)) a[k] = a[k].trimEnd();
  return out;
}
