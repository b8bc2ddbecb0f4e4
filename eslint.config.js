// ESLint (flat config) for the TypeScript sources, tests, tutorials and benchmarks, and the
// project's own scripts. Type-aware rules run through the TypeScript 6 API package (`typescript`
// in package.json); the build itself uses the native TypeScript 7 `tsc`.
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default defineConfig([
  // .stryker-tmp/ and reports/: what a mutation run (npm run mutate) leaves, a sandbox copy if it was stopped.
  globalIgnores(['build/', 'dist/', 'docs/', 'node_modules/', '.pagable-demo/', '.stryker-tmp/', 'reports/']),
  {
    files: ['**/*.{js,mjs,cjs}'],
    extends: [js.configs.recommended],
    languageOptions: { globals: globals.node },
  },
  {
    files: ['**/*.ts'],
    extends: [js.configs.recommended, tseslint.configs.recommended],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // A promise nobody awaits loses its rejection; a promise where a boolean or a void callback
      // is expected is a bug. Both need type information, so they are the type-aware rules here.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      // Type-only imports are erased, which is also what the architecture check relies on
      // (.dependency-cruiser.cjs does not follow them). `typeof import('./m.js')` stays allowed: it
      // types a module loaded at run time (test/decorators.test.ts imports its TC39 build that way).
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports', disallowTypeAnnotations: false }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    // Compiled as TC39 standard decorators only (tsconfig.tc39.json), so typed by that project.
    files: ['test/tc39/**/*.ts'],
    languageOptions: { parserOptions: { projectService: false, project: './tsconfig.tc39.json' } },
  },
  {
    // Library code: an `any` needs a comment saying why (eslint-disable-next-line with a reason).
    files: ['src/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'error' },
  },
  {
    // Tests, tutorials and benchmarks poke at the library from outside, hostile inputs included.
    files: ['test/**/*.ts', 'examples/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
]);
