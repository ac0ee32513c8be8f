// node bench/profile-summary.ts <file.cpuprofile> [top]
// Where a V8 CPU profile (node --cpu-prof, or npm run bench -- --profile) spent its samples: the
// functions with the most self time, and self time by package (node_modules/<name>, node: internals,
// this project's own files, and V8's own: garbage collection, idle, the program itself).
import { readFile } from 'node:fs/promises';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
}

const [file, topArgument] = process.argv.slice(2);
if (!file) throw new Error('usage: node bench/profile-summary.ts <file.cpuprofile> [top]');
const top = Number(topArgument ?? 25);
const profile = JSON.parse(await readFile(file, 'utf8')) as CpuProfile;

const hits = new Map<number, number>();
for (const id of profile.samples) hits.set(id, (hits.get(id) ?? 0) + 1);

/** The package a frame belongs to: node_modules/<name> (scoped included), node:, the project, or V8's own. */
function packageOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : `(${functionName || 'anonymous'})`;
  if (url.startsWith('node:')) return 'node:internals';
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (match) return match[1]!;
  const project = /\/(src|bench|migrations)\//.exec(url);
  return project ? `project ${project[1]}/` : url;
}

const byFunction = new Map<string, number>();
const byPackage = new Map<string, number>();
const add = (map: Map<string, number>, key: string, count: number) => map.set(key, (map.get(key) ?? 0) + count);
for (const node of profile.nodes) {
  const count = hits.get(node.id) ?? 0;
  if (count === 0) continue;
  const { functionName, url, lineNumber } = node.callFrame;
  const where = url ? `${url.replace(/^.*?(node_modules\/|\/src\/|\/bench\/)/, '$1')}:${lineNumber + 1}` : '';
  add(byFunction, `${functionName || '(anonymous)'} ${where}`.trim(), count);
  add(byPackage, packageOf(url, functionName), count);
}

const total = profile.samples.length;
const idle = byPackage.get('(idle)') ?? 0;
const seconds = (profile.endTime - profile.startTime) / 1e6;
const pct = (count: number) => `${((100 * count) / (total - idle)).toFixed(1).padStart(5)}%`;
const rows = (map: Map<string, number>) =>
  [...map].filter(([key]) => key !== '(idle)').sort((a, b) => b[1] - a[1]).slice(0, top).map(([key, count]) => `${pct(count)}  ${key}`);

console.log(`${file}: ${seconds.toFixed(1)} s, ${total} samples, ${((100 * idle) / total).toFixed(1)}% idle; shares of the busy samples:`);
console.log(`\nself time by package\n${rows(byPackage).join('\n')}`);
console.log(`\nself time by function\n${rows(byFunction).join('\n')}`);
