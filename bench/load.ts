// The load generator: one process (pinned to its own core by run.ts) that drives one system through
// one scenario over real sockets and prints the figures as one JSON line on stdout; progress goes to
// stderr. Usage: node bench/load.ts '<LoadSpec as JSON>'.
import { scenarios } from './scenarios/index.ts';
import type { LoadSpec } from './spec.ts';

const spec = JSON.parse(process.argv[2] ?? '') as LoadSpec;
const log = (line: string) => process.stderr.write(`    [${spec.system}] ${line}\n`);

try {
  const result = await scenarios[spec.scenario].drive(spec, log);
  process.stdout.write(`${JSON.stringify(result)}\n`);
  // Sockets closed, figures out: nothing left is worth waiting for.
  process.exit(0);
} catch (error) {
  log(`failed: ${(error as Error).stack ?? String(error)}`);
  process.exit(1);
}
