// TEMPORARY minimal version (replaced by the full module)
export function expandHostlist(list: string): string[] {
  const out: string[] = [];
  for (const term of list.match(/[^,[]+(\[[^\]]*\])?[^,]*/g) ?? []) {
    const m = /^(.*)\[([^\]]*)\](.*)$/.exec(term);
    if (!m) { out.push(term); continue; }
    for (const part of m[2].split(',')) {
      const [a, b] = part.split('-');
      const width = a.length;
      for (let i = Number(a); i <= Number(b ?? a); i++) out.push(`${m[1]}${String(i).padStart(width, '0')}${m[3]}`);
    }
  }
  return out;
}
