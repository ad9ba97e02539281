// @ts-check
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/** Top-level folders and what each may import (ARCHITECTURE.md, "Layout"). */
const BOUNDARIES = {
  // scenarios/ holds the scenario names (dependency-free, bundled for k6); the config schema reads them.
  core: ['scenarios'],
  catalog: ['core'],
  stack: ['core', 'catalog'],
  'mock-services': ['core', 'catalog'],
  validators: ['core', 'catalog'],
  reports: ['core'],
  load: ['core', 'catalog', 'scenarios'],
};
const FOLDERS = [
  'core',
  'catalog',
  'stack',
  'mock-services',
  'validators',
  'reports',
  'api',
  'cli',
  'bench',
  'scenarios',
];

/** @param {string} folder */
function boundaryRules(folder) {
  const allowed = BOUNDARIES[/** @type {keyof typeof BOUNDARIES} */ (folder)] ?? [];
  const forbidden = FOLDERS.filter((f) => f !== folder && !allowed.includes(f));
  return {
    files: [`${folder}/**/*.ts`],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            // Relative paths only: `@opentelemetry/api` is not our api/.
            ...forbidden.map((f) => ({
              regex: `^(\\.\\./)+${f}(/.*)?$`,
              message: `${folder}/ may not import ${f}/ (see ARCHITECTURE.md, "Layout")`,
            })),
            // Across folders, only a folder's public index.ts may be imported.
            ...allowed.map((f) => ({
              regex: `^(\\.\\./)+${f}/(?!index\\.ts$).+`,
              message: `import ${f}/index.ts, not a deep path`,
            })),
          ],
        },
      ],
    },
  };
}

export default tseslint.config(
  { ignores: ['node_modules/', 'out/', 'scratch/', 'stack/grafana/dashboards/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node }, ecmaVersion: 2023, sourceType: 'module' },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': [
        'error',
        {
          selector: "MemberExpression[object.name='client'][property.name='register']",
          message: "don't use prom-client's global registry: pass a Registry",
        },
      ],
    },
  },
  ...Object.keys(BOUNDARIES).map(boundaryRules),
  {
    files: ['scenarios/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^\\.\\./(?!lib/).*',
              message: 'scenarios run in k6, not Node: import only scenarios/lib/',
            },
          ],
        },
      ],
    },
  },
);
