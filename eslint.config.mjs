// @ts-check
import tseslint from 'typescript-eslint';

const teamsImports = {
  patterns: [
    {
      group: ['botbuilder', 'botbuilder-*', 'botframework-*', '@microsoft/teams-ai', '@microsoft/teams-ai/*'],
      message: 'Only src/bot/ may import Teams libraries (a move to Teams SDK v2 must touch one folder).',
    },
  ],
};

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'data/**', 'appPackage/build/**'] },
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.base],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // An unawaited promise (or assert) passes silently.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      '@typescript-eslint/await-thenable': 'error',
      'no-console': ['error', { allow: ['error'] }],
    },
  },
  {
    files: ['src/cards/**/*.ts', 'src/services/**/*.ts', 'src/config.ts', 'src/log.ts', 'src/keys.ts'],
    rules: { 'no-restricted-imports': ['error', teamsImports] },
  },
  { files: ['tests/**/*.ts', 'scripts/**/*.ts', 'bench/**/*.ts'], rules: { 'no-console': 'off' } },
);
