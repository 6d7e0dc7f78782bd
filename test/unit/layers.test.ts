// The layer rules of .dependency-cruiser.cjs, run with dependency-cruiser: they hold for the
// project, and they do fail on a tree that breaks each of them (test/fixtures/layers).
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

interface Violation { rule: { name: string }; from: string; to: string }

/** The violations dependency-cruiser finds in `paths`, run from `cwd`. */
function violations(cwd: string, paths: string[]): Violation[] {
  const bin = resolve('node_modules/.bin/depcruise');
  const out = execFileSync(bin, ['--config', resolve('.dependency-cruiser.cjs'), '--output-type', 'json', ...paths], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  return (JSON.parse(out) as { summary: { violations: Violation[] } }).summary.violations;
}

describe('layers', () => {
  it('has no import cycle, no pure module importing an I/O one, no test importing a command', () => {
    expect(violations('.', ['lib', 'scripts', 'test/unit', 'test/support']).map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`)).toEqual([]);
  }, 60_000);

  it('finds each broken rule in a tree made to break them', () => {
    const found = violations('test/fixtures/layers', ['lib']).map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`);
    expect(found).toContain('pure-imports-pure: lib/core/pure.ts -> lib/io/run.ts');
    expect(found).toContain('pure-does-no-io: lib/core/reads.ts -> fs');
    expect(found.some((v) => v.startsWith('no-cycle: lib/io/'))).toBe(true);
  }, 60_000);
});
