import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'examples-java/', 'examples-php/', 'coverage/', 'tests/fixtures/thrift/gen-nodejs/', '.tmp/'] },
  js.configs.recommended,
  { files: ['jest.config.js', 'bin/*'], languageOptions: { sourceType: 'commonjs', globals: { module: 'readonly', require: 'readonly', process: 'readonly', __dirname: 'readonly' } } },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
  {
    // The data plane reads snapshots; only the wiring in src/cli and src/registry, src/discovery talk to NATS.
    files: ['src/sidecar/**/*.ts', 'src/codec/**/*.ts', 'adapters/**/*.ts', 'src/snapshot/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: ['nats'], patterns: ['**/registry/*', '**/discovery/*', '**/control-plane/*', '**/telemetry/telemetry-*'] }] },
  },
);
