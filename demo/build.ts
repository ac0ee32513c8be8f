// Builds the demo into demo/dist (`npm run demo:build`; before `npm start` and `npm run dev`; in the
// browser test). It builds into a fresh directory and swaps it in, so that a running service or a
// concurrent build never sees demo/dist half written. With --if-development it does nothing under
// NODE_ENV=production or without Vite (production installs), where the service serves no demo.
import { chmod, mkdtemp, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const demo = fileURLToPath(new URL('.', import.meta.url));
const dist = join(demo, 'dist');

if (process.argv.includes('--if-development') && process.env.NODE_ENV === 'production') {
  console.log('demo: not built (NODE_ENV=production)');
  process.exit(0);
}
const vite = await import('vite').catch(() => undefined);
if (!vite) {
  console.log('demo: not built (Vite is not installed: npm install without --omit=dev)');
  process.exit(process.argv.includes('--if-development') ? 0 : 1);
}

const started = performance.now();
const staging = await mkdtemp(join(demo, '.dist-'));
try {
  await vite.build({
    configFile: join(demo, 'vite.config.ts'),
    logLevel: 'warn',
    build: { outDir: staging, emptyOutDir: true },
  });
  await chmod(staging, 0o755); // mkdtemp makes it private
  const previous = `${staging}-previous`;
  await rename(dist, previous).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error;
  });
  // Another build that swapped in at the same moment made the same files: keep its copy.
  await rename(staging, dist).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOTEMPTY' && error.code !== 'EEXIST') throw error;
  });
  await rm(previous, { recursive: true, force: true });
} finally {
  await rm(staging, { recursive: true, force: true });
}
console.log(`demo: built into demo/dist in ${Math.round(performance.now() - started)} ms`);
