// The overload scenario's run as an SVG chart: for direct rooms and for the group room, messages a
// second offered, answered (acknowledged), refused and delivered (deliveries ÷ subscribers of a
// room), each a moving average over 5 s (a group room's sends are answered in batches of up to 100,
// which per second is a comb), then the p99 of the deliveries received each second (log scale); the
// service in solid lines, the baseline dashed; a line where the offered rate drops to normal.
import { mkdir, writeFile } from 'node:fs/promises';
import type { RunResult } from './report.ts';
import type { SystemName } from './spec.ts';
import type { Second, Timeline } from './timeline.ts';

const WIDTH = 1000;
const PANEL = { width: 440, rateHeight: 230, p99Height: 170 };
const MARGIN = { left: 60, top: 66, gap: 60, column: 500 };
const SMOOTH_SECONDS = 5;

/** The centred moving average of `values` over SMOOTH_SECONDS. */
function smooth(values: number[]): number[] {
  const half = Math.floor(SMOOTH_SECONDS / 2);
  return values.map((_, i) => {
    const window = values.slice(Math.max(0, i - half), i + half + 1);
    return window.reduce((sum, value) => sum + value, 0) / window.length;
  });
}
const SERIES: [keyof Second, string, string][] = [
  ['offered', '#888888', 'offered'],
  ['answered', '#2e8b57', 'answered'],
  ['refused', '#d62728', 'refused (RATE_LIMITED)'],
  ['delivered', '#1f77b4', 'delivered (÷ subscribers)'],
];
const DASH: Record<SystemName, string> = { service: '', baseline: '6 4' };

const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;');
const text = (x: number, y: number, content: string, extra = '') =>
  `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" ${extra}>${escape(content)}</text>`;
const polyline = (points: [number, number][], color: string, dash: string) =>
  points.length < 2
    ? ''
    : `<polyline fill="none" stroke="${color}" stroke-width="1.6"${dash ? ` stroke-dasharray="${dash}"` : ''} points="${points.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join(' ')}"/>`;

/** A round number at or above `value` for an axis's top: 1, 2 or 5 times a power of ten. */
function niceTop(value: number): number {
  const power = 10 ** Math.floor(Math.log10(Math.max(value, 1)));
  return [1, 2, 5, 10].map((k) => k * power).find((top) => top >= value) ?? 10 * power;
}

function panel(x0: number, y0: number, title: string, timelines: Partial<Record<SystemName, Timeline>>): string {
  const present = Object.entries(timelines) as [SystemName, Timeline][];
  const seconds = Math.max(...present.map(([, t]) => t.seconds.length));
  const boundary = present[0]?.[1].phases[0]?.seconds ?? 0;
  const x = (second: number) => x0 + (second / Math.max(1, seconds)) * PANEL.width;
  const rateTop = niceTop(Math.max(1, ...present.flatMap(([, t]) => SERIES.flatMap(([key]) => smooth(t.seconds.map((s) => s[key] as number))))));
  const rateY = (value: number) => y0 + PANEL.rateHeight - (value / rateTop) * PANEL.rateHeight;
  const p99Base = y0 + PANEL.rateHeight + 40;
  const p99Top = niceTop(Math.max(10, ...present.flatMap(([, t]) => t.seconds.map((s) => s.p99Ms ?? 0))));
  const logY = (ms: number) => p99Base + PANEL.p99Height - (Math.log10(Math.max(1, ms)) / Math.log10(p99Top)) * PANEL.p99Height;
  const out: string[] = [text(x0, y0 - 12, title, 'font-weight="bold"')];
  for (const [top, height] of [[y0, PANEL.rateHeight], [p99Base, PANEL.p99Height]] as const) {
    out.push(`<rect x="${x0}" y="${top}" width="${PANEL.width}" height="${height}" fill="none" stroke="#ccc"/>`);
    out.push(`<line x1="${x(boundary)}" x2="${x(boundary)}" y1="${top}" y2="${top + height}" stroke="#999" stroke-dasharray="2 3"/>`);
  }
  for (const fraction of [0, 0.5, 1]) {
    out.push(text(x0 - 6, rateY(rateTop * fraction) + 4, String(Math.round(rateTop * fraction)), 'text-anchor="end"'));
  }
  out.push(text(x0 - 45, y0 + PANEL.rateHeight / 2, 'messages/s', `transform="rotate(-90 ${x0 - 45} ${y0 + PANEL.rateHeight / 2})" text-anchor="middle"`));
  for (let ms = 1; ms <= p99Top; ms *= 10) out.push(text(x0 - 6, logY(ms) + 4, ms >= 1000 ? `${ms / 1000} s` : `${ms} ms`, 'text-anchor="end"'));
  out.push(text(x0 - 45, p99Base + PANEL.p99Height / 2, 'p99', `transform="rotate(-90 ${x0 - 45} ${p99Base + PANEL.p99Height / 2})" text-anchor="middle"`));
  for (let second = 0; second <= seconds; second += 10) out.push(text(x(second), p99Base + PANEL.p99Height + 16, `${second} s`, 'text-anchor="middle"'));
  for (const [system, timeline] of present) {
    for (const [key, color] of SERIES) {
      const values = smooth(timeline.seconds.map((s) => s[key] as number));
      out.push(polyline(values.map((value, i) => [x(i + 0.5), rateY(value)]), color, DASH[system]));
    }
    const p99 = timeline.seconds.flatMap((s, i): [number, number][] => (s.p99Ms === null ? [] : [[x(i + 0.5), logY(s.p99Ms)]]));
    out.push(polyline(p99, '#6a3d9a', DASH[system]));
  }
  return out.join('\n');
}

export function overloadChart(run: RunResult): string {
  const entry = run.scenarios.overload!;
  const kinds = ['direct', 'group'] as const;
  const timelines = (kind: (typeof kinds)[number]) =>
    Object.fromEntries(
      (Object.entries(entry.systems) as [SystemName, Record<string, unknown> | undefined][]).flatMap(([system, figures]) =>
        figures?.[kind] ? [[system, figures[kind] as Timeline]] : [],
      ),
    ) as Partial<Record<SystemName, Timeline>>;
  const height = MARGIN.top + PANEL.rateHeight + 40 + PANEL.p99Height + 80;
  const legendY = height - 22;
  const legend = [
    ...SERIES.map(([, color, label]) => [color, label] as const),
    ['#6a3d9a', 'p99 of deliveries'] as const,
  ].map(([color, label], i) => `<rect x="${20 + i * 170}" y="${legendY - 9}" width="14" height="4" fill="${color}"/>${text(40 + i * 170, legendY - 3, label)}`);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    text(20, 20, `npm run bench -- --only=overload (${run.startedAt.slice(0, 10)})`, 'font-size="13" font-weight="bold"'),
    text(20, 36, entry.description),
    text(20, 52, `solid: service; dashed: baseline; dotted line: the offered rate drops to normal; rates: ${SMOOTH_SECONDS} s moving averages`, 'fill="#555"'),
    panel(MARGIN.left, MARGIN.top + 12, 'direct rooms', timelines('direct')),
    panel(MARGIN.left + MARGIN.column, MARGIN.top + 12, 'one group room', timelines('group')),
    ...legend,
    '</svg>',
    '',
  ].join('\n');
}

export async function writeOverloadChart(run: RunResult): Promise<string> {
  const directory = new URL('./results/', import.meta.url);
  await mkdir(directory, { recursive: true });
  const file = new URL(`${run.startedAt.replace(/[:.]/g, '-')}-overload.svg`, directory);
  await writeFile(file, overloadChart(run));
  return file.pathname;
}
