// The bench's turn-taking (bench/turns.ts): two systems' ladders step by step, in the same order at every step.
import { Turns } from '../bench/turns.ts';
import type { SystemName } from '../bench/spec.ts';

/** Runs each system's steps through `turns`, recording the order in which they were granted. */
async function ladders(turns: Turns, steps: Record<SystemName, number>): Promise<string[]> {
  const granted: string[] = [];
  const ladder = async (system: SystemName) => {
    for (let step = 1; step <= steps[system]; step++) {
      await turns.take(system, step);
      granted.push(`${system} ${step}`);
      // A step takes a while; the other system must not start meanwhile.
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    turns.leave(system);
  };
  await Promise.all([ladder('service'), ladder('baseline')]);
  return granted;
}

describe('bench turns', () => {
  it('alternates the systems step by step in the same order, so that each step of either follows one step of the other', async () => {
    const granted = await ladders(new Turns(['service', 'baseline']), { service: 4, baseline: 4 });
    expect(granted).toEqual(['service 1', 'baseline 1', 'service 2', 'baseline 2', 'service 3', 'baseline 3', 'service 4', 'baseline 4']);
  });

  it('lets the other system go on alone once one ladder has ended', async () => {
    const granted = await ladders(new Turns(['service', 'baseline']), { service: 1, baseline: 3 });
    expect(granted).toEqual(['service 1', 'baseline 1', 'baseline 2', 'baseline 3']);
  });

  it('holds the first step until every system asks for it, and says when each is ready', async () => {
    const turns = new Turns(['service', 'baseline']);
    let serviceGo = false;
    const serviceStep = turns.take('service', 1).then(() => (serviceGo = true));
    await turns.ready('service');
    // A grant goes out in take() itself: once pending promise callbacks have run, one would show.
    await new Promise(setImmediate);
    expect(serviceGo).toBe(false);
    const baselineStep = turns.take('baseline', 1);
    await serviceStep;
    expect(serviceGo).toBe(true);
    turns.leave('service');
    await baselineStep;
  });
});
