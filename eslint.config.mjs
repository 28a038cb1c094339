// Lint for the TypeScript shim (backstage/): ESLint's and typescript-eslint's recommended
// rules, the base Backstage's own ESLint config builds on. Formatting is prettier's job.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'e2e/', 'bench/', 'examples/', '__test__/', 'fuzz/', 'target/', 'npm/', '*.js', '*.mjs', 'index.d.ts'] },
  {
    files: ['backstage/**/*.ts', 'config.d.ts'],
    extends: [js.configs.recommended, ...tseslint.configs.recommended],
    rules: {
      // Destructuring a key away (`const { resolver: _name, ...options }`) is how a key is dropped.
      '@typescript-eslint/no-unused-vars': ['error', { varsIgnorePattern: '^_', argsIgnorePattern: '^_' }],
    },
  },
);
