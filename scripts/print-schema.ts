// npm run schema: prints the schema from the code to schema.graphql (committed; a test checks it is current).
import { writeFileSync } from 'node:fs';
import { printSchemaFile } from '../src/schema/print.ts';

writeFileSync(new URL('../schema.graphql', import.meta.url), printSchemaFile());
console.log('schema.graphql written');
