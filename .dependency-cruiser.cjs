/**
 * The layer table of docs/architecture.md, checked by `npm run lint`. Each folder of src/ may
 * import only the folders listed for it; anything else, a module cycle, or the NATS client in the
 * data plane fails the lint. Change the table and this file together.
 */
const layers = {
  errors: [],
  json: ['errors'],
  idl: ['errors', 'json'],
  codec: ['errors', 'json', 'idl'],
  compile: ['errors', 'json', 'idl', 'codec'],
  transport: ['errors', 'idl', 'codec'],
  snapshot: ['idl'],
  policy: ['errors'],
  identity: [],
  telemetry: [],
  log: [],
  config: [],
  sidecar: ['errors', 'json', 'idl', 'codec', 'transport', 'snapshot', 'policy', 'identity', 'telemetry', 'log', 'config'],
  registry: ['errors', 'json', 'idl', 'compile', 'snapshot', 'policy', 'config', 'log'],
  discovery: ['errors', 'idl', 'registry', 'snapshot', 'policy', 'config', 'log'],
  quota: ['errors', 'policy', 'registry', 'config', 'log'],
  'control-plane': ['errors', 'json', 'idl', 'codec', 'compile', 'snapshot', 'config', 'registry', 'discovery', 'policy', 'identity', 'telemetry', 'log'],
  inspect: ['errors', 'registry', 'discovery', 'config', 'log'],
  node: ['errors', 'idl', 'snapshot', 'policy', 'quota', 'identity', 'sidecar', 'registry', 'discovery', 'control-plane', 'telemetry', 'config', 'log'],
  dev: ['config', 'log', 'identity'],
  cli: ['*'],
};

/** The data plane: what runs per call. It reads snapshots and never talks to NATS. */
const dataPlane = ['errors', 'json', 'idl', 'codec', 'compile', 'transport', 'snapshot', 'policy', 'identity', 'telemetry', 'sidecar'];

const forbidden = [
  { name: 'no-circular', comment: 'modules form no cycle', severity: 'error', from: {}, to: { circular: true } },
  {
    name: 'data-plane-no-nats',
    comment: 'the data plane reads snapshots; only registry, discovery, control-plane, node, dev and cli talk to NATS',
    severity: 'error',
    from: { path: `^src/(${dataPlane.join('|')})/` },
    to: { path: '(^|/)node_modules/nats/' },
  },
  {
    name: 'src-not-tests',
    comment: 'what ships never imports tests or bench',
    severity: 'error',
    from: { path: '^src/' },
    to: { path: '^(tests|bench)/' },
  },
  {
    name: 'unknown-folder',
    comment: 'every folder of src/ has a row in the layer table',
    severity: 'error',
    from: { path: '^src/', pathNot: `^src/(${Object.keys(layers).join('|')})/` },
    to: {},
  },
];
for (const [folder, allowed] of Object.entries(layers)) {
  if (allowed.includes('*')) continue;
  forbidden.push({
    name: `layer-${folder}`,
    comment: `src/${folder} may import only: ${allowed.join(', ') || 'nothing of src/'}`,
    severity: 'error',
    from: { path: `^src/${folder}/` },
    to: { path: '^src/', pathNot: `^src/(${[folder, ...allowed].join('|')})/` },
  });
}

module.exports = {
  forbidden,
  options: {
    tsPreCompilationDeps: true,
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|node_modules)/' },
  },
};
