/**
 * The README's Layout table, checked (`npm run lint`): one rule per folder, named after what that
 * folder may import, so a failing line says which constraint broke. Type-only imports count.
 * Node built-ins are allowed wherever the rule says `dependencyTypesNot: ['core']`; the pure
 * folders (contracts, numeric, cells without builders and exporters, search, workflows) may not
 * import them, so their code also runs in Temporal's workflow sandbox.
 */

/** A rule: files under `from` may import only what matches `allowed` (regexes over resolved paths). */
function onlyImports(name, from, allowed, { nodeBuiltins = true, fromNot } = {}) {
  return {
    name,
    severity: 'error',
    comment: `${from} may import only ${allowed.join(', ')}${nodeBuiltins ? ' and Node built-ins' : ''} (README, Layout)`,
    from: { path: `^${from}`, ...(fromNot ? { pathNot: fromNot } : {}) },
    to: {
      pathNot: allowed.map((path) => `^${path}`).join('|'),
      ...(nodeBuiltins ? { dependencyTypesNot: ['core'] } : {}),
    },
  };
}

/** A rule for the folders that may import everything but a few folders above them. */
function importsNoneOf(name, from, forbidden) {
  return {
    name,
    severity: 'error',
    comment: `${from} may not import ${forbidden.join(', ')} (README, Layout)`,
    from: { path: `^${from}` },
    to: { path: `^(${forbidden.join('|')})` },
  };
}

const PURE_CELLS = 'cells/(?!builders/|exporters/)';
const TFJS = 'node_modules/@tensorflow/';
const TEMPORAL_SDK = 'node_modules/@temporalio/';
const DATABASE_DRIVERS = ['node_modules/drizzle-orm/', 'node_modules/postgres/', 'node_modules/@electric-sql/pglite/'];

module.exports = {
  forbidden: [
    onlyImports('contracts-imports-nothing', 'contracts/', ['contracts/'], { nodeBuiltins: false }),
    onlyImports(
      'numeric-imports-only-seedrandom-ml-matrix',
      'numeric/',
      ['numeric/', 'node_modules/seedrandom/', 'node_modules/ml-matrix/'],
      { nodeBuiltins: false },
    ),
    onlyImports('pure-cells-imports-only-contracts', 'cells/', [PURE_CELLS, 'contracts/'], {
      nodeBuiltins: false,
      fromNot: '^cells/(builders|exporters)/',
    }),
    onlyImports('cells-builders-imports-only-cells-contracts-tfjs', 'cells/builders/', [
      'cells/(?!exporters/)',
      'contracts/',
      TFJS,
    ]),
    onlyImports('cells-exporters-imports-only-cells-contracts-tfjs-onnx', 'cells/exporters/', [
      'cells/',
      'contracts/',
      TFJS,
      'node_modules/onnx-proto/',
    ]),
    onlyImports(
      'search-imports-only-contracts-numeric-pure-cells',
      'search/',
      ['search/', 'contracts/', 'numeric/', PURE_CELLS],
      { nodeBuiltins: false },
    ),
    onlyImports(
      'workflows-imports-only-search-contracts-numeric-pure-cells-temporal-workflow',
      'workflows/',
      ['workflows/', 'search/', 'contracts/', 'numeric/', PURE_CELLS, 'node_modules/@temporalio/workflow/'],
      { nodeBuiltins: false },
    ),
    onlyImports('engine-imports-only-cells-contracts-numeric-kernels-tfjs', 'engine/', [
      'engine/',
      'cells/(?!exporters/)',
      'contracts/',
      'numeric/',
      'kernels/',
      TFJS,
      'node_modules/seedrandom/',
      'node_modules/sharp/',
      'node_modules/tsx/',
    ]),
    onlyImports('kernels-imports-only-contracts-tfjs-wasm', 'kernels/', [
      'kernels/',
      'contracts/',
      TFJS,
      'node_modules/wabt/',
    ]),
    onlyImports('db-imports-only-contracts-numeric-drizzle-drivers', 'db/', [
      'db/',
      'contracts/',
      'numeric/',
      ...DATABASE_DRIVERS,
    ]),
    onlyImports('dashboard-imports-only-db-pure-cells-contracts-numeric', 'dashboard/', [
      'dashboard/',
      'db/',
      PURE_CELLS,
      'contracts/',
      'numeric/',
      'node_modules/fastify/',
      'node_modules/echarts/',
      'node_modules/elkjs/',
    ]),
    onlyImports('stack-imports-only-workers-db-contracts-numeric-temporal', 'stack/', [
      'stack/',
      'workers/',
      'db/',
      'contracts/',
      'numeric/',
      TEMPORAL_SDK,
      'node_modules/@electric-sql/pglite/',
    ]),
    importsNoneOf('workers-imports-no-stack-cli-dashboard-harness-tests-bench', 'workers/', [
      'stack/',
      'cli/',
      'dashboard/',
      'harness/',
      'tests/',
      'bench/',
    ]),
    importsNoneOf('cli-imports-no-harness-tests-bench', 'cli/', ['harness/', 'tests/', 'bench/']),
    importsNoneOf('harness-imports-no-tests-bench', 'harness/', ['tests/', 'bench/']),
    importsNoneOf('bench-imports-no-tests', 'bench/', ['tests/']),
    {
      name: 'no-circular-between-folders',
      severity: 'error',
      comment: 'an import cycle that leaves its folder: folders depend on each other one way only',
      from: { path: '^([^/]+)/' },
      to: { circular: true, via: { pathNot: '^$1/' } },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    // A worktree may link node_modules from elsewhere: packages still resolve under node_modules/.
    preserveSymlinks: true,
    // Resolve through package.json `exports` (tsx/esm/api has no file of that name).
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
