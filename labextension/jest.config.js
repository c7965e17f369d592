// Unit tests of the extension's logic (src/__tests__/*.spec.ts), compiled by ts-jest.
// The modules under test import JupyterLab only for types, so no JupyterLab
// packages (ES modules) have to be transformed.
module.exports = {
  testEnvironment: 'node',
  testRegex: 'src/__tests__/.*\\.spec\\.ts$',
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.test.json' }]
  },
  collectCoverageFrom: ['src/**/*.ts', '!src/**/*.d.ts']
};
