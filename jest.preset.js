// Shared jest settings for every package: TypeScript through @swc/jest, native ESM
// (run with NODE_OPTIONS=--experimental-vm-modules), tests next to the code.
/** @param {string} rootDir @returns {import('jest').Config} */
export function jestConfig(rootDir) {
  return {
    rootDir,
    testEnvironment: 'node',
    extensionsToTreatAsEsm: ['.ts'],
    transform: {
      '^.+\\.ts$': [
        '@swc/jest',
        {
          jsc: { parser: { syntax: 'typescript' }, target: 'es2022', keepClassNames: true },
          module: { type: 'es6' },
          sourceMaps: 'inline',
        },
      ],
    },
    // Source files import siblings as './x.js' (NodeNext); map them back to the .ts file.
    moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
    testMatch: ['<rootDir>/src/**/*.test.ts', '<rootDir>/test/**/*.test.ts'],
    testPathIgnorePatterns: ['/node_modules/', '/dist/'],
    testTimeout: 30_000,
  };
}
