// Builds the standalone executable dist/ec4d: esbuild bundles scripts/ec4d.ts into one CJS file,
// Node's single executable application (SEA) support turns it into a binary (postject injects
// the blob into a stripped copy of this node). pkg is not used: it cannot build offline nor
// target Node 20 (see README). The images copy dist/ec4d; commands are symlinks to it.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { build } from 'esbuild';

const COMMANDS = ['setup-cluster', 'poweron', 'poweroff', 'clues-monitor'];
const started = Date.now();
mkdirSync('dist', { recursive: true });
await build({
  entryPoints: ['scripts/ec4d.ts'],
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  minify: true,
  outfile: 'dist/ec4d.cjs',
  logLevel: 'warning',
  // vega's Node entry awaits an optional 'canvas' at the top, which CJS cannot hold; its browser
  // entry does without one, as vega does in Node when 'canvas' is not installed (SVG only).
  alias: { 'vega-canvas': './node_modules/vega-canvas/build/vega-canvas.browser.js' },
});
writeFileSync(
  'dist/sea-config.json',
  JSON.stringify({ main: 'dist/ec4d.cjs', output: 'dist/sea-prep.blob', disableExperimentalSEAWarning: true, useCodeCache: true }),
);
execFileSync(process.execPath, ['--experimental-sea-config', 'dist/sea-config.json'], { stdio: 'ignore' });
rmSync('dist/ec4d', { force: true });
copyFileSync(process.execPath, 'dist/ec4d');
try {
  execFileSync('strip', ['dist/ec4d']); // 99 MB -> 86 MB; binutils may be missing, the binary works either way
} catch {
  console.warn('build: strip not found, leaving the executable unstripped');
}
execFileSync(
  process.execPath,
  [
    'node_modules/postject/dist/cli.js',
    'dist/ec4d',
    'NODE_SEA_BLOB',
    'dist/sea-prep.blob',
    '--sentinel-fuse',
    'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2',
  ],
  { stdio: 'ignore' },
);
for (const name of COMMANDS) {
  rmSync(`dist/${name}`, { force: true });
  symlinkSync('ec4d', `dist/${name}`);
}
const mib = (statSync('dist/ec4d').size / 2 ** 20).toFixed(1);
console.log(`build: dist/ec4d (${mib} MiB, node ${process.version}) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
