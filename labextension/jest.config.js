// Unit tests, compiled by ts-jest, in two projects:
// - the JupyterLab extension's logic (src/__tests__/*.spec.ts); the modules under test import
//   JupyterLab only for types, so no JupyterLab packages (ES modules) have to be transformed;
// - the dashboard's pure modules (dashboard/__tests__/*.spec.ts), written with the `.js`
//   import specifiers browsers need, mapped back to the .ts sources here.
// Dates are formatted in local time: the tests pin the time zone.
process.env.TZ = 'UTC';

module.exports = {
  projects: [
    {
      displayName: 'labextension',
      testEnvironment: 'node',
      testRegex: 'src/__tests__/.*\\.spec\\.ts$',
      transform: {
        '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.test.json' }]
      }
    },
    {
      displayName: 'dashboard',
      testEnvironment: 'node',
      testRegex: 'dashboard/__tests__/.*\\.spec\\.ts$',
      moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
      transform: {
        '^.+\\.ts$': ['ts-jest', { tsconfig: 'dashboard/tsconfig.test.json' }]
      }
    }
  ],
  collectCoverageFrom: ['src/**/*.ts', 'dashboard/src/**/*.ts', '!**/*.d.ts']
};
