// Slurm hostlists ('f1-node[1-3,7],fe'): expansion, compression and natural name order. Pure.

// Slurm refuses larger ranges too; a typo like n[1-1000000000] must not exhaust memory.
const MAX_RANGE = 100000;

/** Natural order: 'node9' < 'node10', then plain string order ('n01' vs 'n1' stays stable). */
export function naturalCompare(a: string, b: string): number {
  const pa = a.match(/\d+|\D+/g) ?? [];
  const pb = b.match(/\d+|\D+/g) ?? [];
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const x = pa[i];
    const y = pb[i];
    if (x === y) continue;
    const numeric = /^\d/.test(x) && /^\d/.test(y);
    if (numeric && Number(x) !== Number(y)) return Number(x) - Number(y);
    return x < y ? -1 : 1;
  }
  return pa.length - pb.length || (a < b ? -1 : a > b ? 1 : 0);
}

/** Splits at the commas outside brackets; checks that brackets are balanced and not nested. */
function splitTerms(list: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of list) {
    if (ch === '[') {
      if (depth > 0) throw new Error(`hostlist '${list}': nested '['`);
      depth = 1;
    } else if (ch === ']') {
      if (depth === 0) throw new Error(`hostlist '${list}': ']' without '['`);
      depth = 0;
    } else if (ch === ',' && depth === 0) {
      terms.push(current);
      current = '';
      continue;
    }
    current += ch;
  }
  if (depth > 0) throw new Error(`hostlist '${list}': '[' without ']'`);
  terms.push(current);
  return terms.map((t) => t.trim()).filter(Boolean);
}

/** The names of one bracket body ('1-3,07'), each zero-padded to the width of its range start. */
function expandRanges(body: string, list: string): string[] {
  const out: string[] = [];
  for (const part of body.split(',').map((p) => p.trim())) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) throw new Error(`hostlist '${list}': bad range '${part}' in '[${body}]'`);
    const lo = Number(m[1]);
    const hi = Number(m[2] ?? m[1]);
    if (hi < lo) throw new Error(`hostlist '${list}': descending range '${part}'`);
    if (hi - lo + 1 > MAX_RANGE) throw new Error(`hostlist '${list}': range '${part}' has more than ${MAX_RANGE} names`);
    for (let i = lo; i <= hi; i++) out.push(String(i).padStart(m[1].length, '0'));
  }
  return out;
}

/** Expands a Slurm hostlist: 'n[01-03],fe' -> ['n01', 'n02', 'n03', 'fe']. Throws on malformed input. */
export function expandHostlist(list: string): string[] {
  const out: string[] = [];
  for (const term of splitTerms(list)) {
    // Several bracket groups ('a[1-2]b[3-4]') expand as a cartesian product, leftmost slowest.
    let names = [''];
    for (const piece of term.split(/(\[[^\]]*\])/).filter(Boolean)) {
      const parts = piece.startsWith('[') ? expandRanges(piece.slice(1, -1), list) : [piece];
      names = names.flatMap((prefix) => parts.map((p) => prefix + p));
      if (names.length > MAX_RANGE) throw new Error(`hostlist '${list}': term '${term}' has more than ${MAX_RANGE} names`);
    }
    out.push(...names);
  }
  return out;
}

/** Compresses names into a hostlist: ['n1', 'n2', 'n3', 'n7'] -> 'n[1-3,7]'; duplicates dropped. */
export function compressHostlist(names: Iterable<string>): string {
  const unique = [...new Set(names)];
  for (const name of unique) {
    if (!name || /[[\],\s]/.test(name)) throw new Error(`cannot put host name '${name}' in a hostlist`);
  }
  const split = unique.map((name) => {
    const m = /^(.*?)(\d+)$/.exec(name);
    return m ? { name, prefix: m[1], digits: m[2] } : { name, prefix: name, digits: '' };
  });
  // Zero-padded numbers ('n01') fix a width; an unpadded number of that width ('n10') joins them.
  const padded = new Set(split.filter((s) => /^0\d/.test(s.digits)).map((s) => `${s.prefix}\0${s.digits.length}`));
  const groups = new Map<string, { prefix: string; width: number; numbers: number[] }>();
  const plain: string[] = [];
  for (const s of split) {
    if (!s.digits) { plain.push(s.name); continue; }
    const width = padded.has(`${s.prefix}\0${s.digits.length}`) ? s.digits.length : 0;
    const key = `${s.prefix}\0${width}`;
    const group = groups.get(key) ?? { prefix: s.prefix, width, numbers: [] };
    group.numbers.push(Number(s.digits));
    groups.set(key, group);
  }
  const terms: Array<{ first: string; text: string }> = plain.map((name) => ({ first: name, text: name }));
  for (const { prefix, width, numbers } of groups.values()) {
    numbers.sort((a, b) => a - b);
    const pad = (n: number) => String(n).padStart(width, '0');
    const ranges: string[] = [];
    for (let i = 0; i < numbers.length;) {
      let j = i;
      while (j + 1 < numbers.length && numbers[j + 1] === numbers[j] + 1) j++;
      ranges.push(i === j ? pad(numbers[i]) : `${pad(numbers[i])}-${pad(numbers[j])}`);
      i = j + 1;
    }
    const text = numbers.length === 1 ? prefix + ranges[0] : `${prefix}[${ranges.join(',')}]`;
    terms.push({ first: prefix + pad(numbers[0]), text });
  }
  return terms.sort((a, b) => naturalCompare(a.first, b.first)).map((t) => t.text).join(',');
}
