// The typed client documents in client/generated are what `npm run codegen` makes from the committed
// schema and client/operations now: a stale copy fails here.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { generate } from '@graphql-codegen/cli';
import config from '../codegen.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

it('client/generated is up to date with schema.graphql and client/operations (else run npm run codegen)', async () => {
  const outputs = (await generate({ ...config, cwd: root, silent: true }, false)) as { filename: string; content: string }[];
  expect(outputs.length).toBeGreaterThan(0);
  for (const output of outputs) {
    const committed = await readFile(new URL(output.filename, `file://${root}/`), 'utf8').catch(() => '(missing)');
    expect({ file: output.filename, content: committed }).toEqual({ file: output.filename, content: output.content });
  }
});
