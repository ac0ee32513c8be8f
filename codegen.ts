// GraphQL Code Generator: typed documents for the operations in client/operations, from the
// committed schema.graphql. `npm run codegen` regenerates client/generated (committed).
import type { CodegenConfig } from '@graphql-codegen/cli';

const config: CodegenConfig = {
  // ESM imports with extensions, as Node and this project's TypeScript settings want them.
  emitLegacyCommonJSImports: false,
  schema: 'schema.graphql',
  documents: ['client/operations/**/*.graphql'],
  generates: {
    'client/generated/': {
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: {
        useTypeImports: true,
        enumsAsTypes: true,
        scalars: { DateTime: 'string', ID: 'string' },
      },
    },
  },
};

export default config;
