/** Unit tests run on the TypeScript sources through swc; end-to-end tests spawn the built CLI (dist/). */
const transform = { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }] };
module.exports = {
  projects: [
    { displayName: 'unit', testMatch: ['<rootDir>/tests/unit/**/*.test.ts'], transform, testEnvironment: 'node', setupFiles: ['<rootDir>/tests/helpers/register-protocols.ts'] },
    { displayName: 'e2e', testMatch: ['<rootDir>/tests/e2e/**/*.test.ts'], transform, testEnvironment: 'node', setupFiles: ['<rootDir>/tests/helpers/register-protocols.ts'], setupFilesAfterEnv: ['<rootDir>/tests/helpers/ci-retry.ts'] },
  ],
};
