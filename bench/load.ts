// The load generator: one process (pinned to its own core by run.ts) that drives one system through
// one scenario over real sockets and prints the figures as one JSON line on stdout; progress goes to
// stderr. Usage: node bench/load.ts '<LoadSpec as JSON>'.
import { createInterface } from 'node:readline';
import { scenarios } from './scenarios/index.ts';
import type { LoadSpec } from './spec.ts';

const spec = JSON.parse(process.argv[2] ?? '') as LoadSpec;
const log = (line: string) => process.stderr.write(`    [${spec.system}] ${line}\n`);

/** With spec.turns, each step of a ladder waits for run.ts's answer (turns.ts); else it runs at once. */
const takeTurn = (() => {
  if (!spec.turns) return async () => undefined;
  const answers = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
  return async (step: number) => {
    process.stdout.write(`${JSON.stringify({ turn: step })}\n`);
    if ((await answers.next()).done) throw new Error('run.ts went away before this step\'s turn');
  };
})();

try {
  const result = await scenarios[spec.scenario].drive(spec, log, takeTurn);
  process.stdout.write(`${JSON.stringify(result)}\n`);
  // Sockets closed, figures out: nothing left is worth waiting for.
  process.exit(0);
} catch (error) {
  log(`failed: ${(error as Error).stack ?? String(error)}`);
  process.exit(1);
}
