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
  timing: [],
  transport: ['errors', 'timing'],
  protocol: ['errors', 'json', 'idl', 'timing', 'transport'],
  rest: ['errors', 'json', 'idl'],
  snapshot: ['idl', 'rest'],
  policy: ['errors'],
  identity: [],
  telemetry: [],
  log: [],
  config: ['protocol'],
  sidecar: ['errors', 'json', 'idl', 'rest', 'timing', 'transport', 'protocol', 'snapshot', 'policy', 'identity', 'telemetry', 'log', 'config'],
  registry: ['errors', 'json', 'idl', 'rest', 'protocol', 'snapshot', 'policy', 'config', 'log'],
  discovery: ['errors', 'idl', 'registry', 'snapshot', 'policy', 'config', 'log'],
  quota: ['errors', 'policy', 'registry', 'config', 'log'],
  'control-plane': ['errors', 'json', 'idl', 'protocol', 'snapshot', 'config', 'registry', 'discovery', 'policy', 'identity', 'telemetry', 'log'],
  inspect: ['errors', 'registry', 'discovery', 'config', 'log'],
  node: ['errors', 'idl', 'protocol', 'snapshot', 'policy', 'quota', 'identity', 'sidecar', 'registry', 'discovery', 'control-plane', 'telemetry', 'config', 'log'],
  dev: ['config', 'log', 'identity'],
  cli: ['*'],
};

/** What a protocol adapter (adapters/<name>/) may import of src/: the public core, nothing of the planes. */
const adapterCore = ['errors', 'json', 'idl', 'codec', 'timing', 'transport', 'protocol'];

/** The data plane: what runs per call. It reads snapshots and never talks to NATS. */
const dataPlane = ['errors', 'json', 'idl', 'rest', 'codec', 'timing', 'transport', 'protocol', 'snapshot', 'policy', 'identity', 'telemetry', 'sidecar'];

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
    name: 'src-not-adapters',
    comment: 'src/ knows protocols only through src/protocol; the composition root src/node/protocols.ts alone registers the adapters',
    severity: 'error',
    from: { path: '^src/', pathNot: '^src/node/protocols\\.ts$' },
    to: { path: '^adapters/' },
  },
  {
    name: 'adapter-core-only',
    comment: `an adapter imports only the public core of src/: ${adapterCore.join(', ')}`,
    severity: 'error',
    from: { path: '^adapters/' },
    to: { path: '^src/', pathNot: `^src/(${adapterCore.join('|')})/` },
  },
  {
    name: 'adapters-apart',
    comment: 'one adapter never imports another: what two protocols share lives in src/',
    severity: 'error',
    from: { path: '^adapters/([^/]+)/' },
    to: { path: '^adapters/', pathNot: '^adapters/$1/' },
  },
  {
    name: 'adapters-no-nats',
    comment: 'adapters run in the data plane and never talk to NATS',
    severity: 'error',
    from: { path: '^adapters/' },
    to: { path: '(^|/)node_modules/nats/' },
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
