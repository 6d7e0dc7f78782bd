// The layers of lib/ and scripts/, checked by `npm test` (test/run-all.sh): no import cycle, and
// the pure modules (docs/architecture.md) import only pure modules and do no I/O.
// The pure modules: lib/core/, each folder's types.ts, the monitor's policy, repair rules and history, and
// each middleware's parsers (state.ts, reasons.ts) and config texts (conf.ts), the gate's rules.ts,
// and the trace replay's reader, plan, figures and scheduler commands.
const PURE = '^lib/(core/|[a-z]+/types\\.ts$|monitor/(policy|repair|history)\\.ts$|[a-z]+/(state|reasons|conf|rules)\\.ts$|replay/(swf|workload|outcome|faults|schedulers)\\.ts$)';

module.exports = {
  forbidden: [
    {
      name: 'no-cycle',
      severity: 'error',
      comment: 'An import cycle: each module of it can only be understood together with the others.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'pure-imports-pure',
      severity: 'error',
      comment: 'A pure module imports a module that is not pure (I/O, commands, the engine).',
      from: { path: PURE },
      to: { dependencyTypes: ['local'], pathNot: PURE },
    },
    {
      name: 'pure-does-no-io',
      severity: 'error',
      comment: 'A pure module imports an I/O library: files, processes, network, terminal.',
      from: { path: PURE },
      to: { path: '^(node:)?(fs|child_process|net|http|https|dgram|readline|os)$|^zx|node_modules/zx/' },
    },
    {
      name: 'tests-do-not-import-commands',
      severity: 'error',
      comment: 'Tests import lib/; scripts/ are the commands, tested by running them.',
      from: { path: '^test/' },
      to: { path: '^scripts/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.mjs'] },
  },
};
