// Starts the service as a separate OS process (node src/main.ts), as an operator runs it, and
// learns its port from the start-up banner. Used where a test is about several instances. Killed
// after the test (or file) that started it, if it is still running.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { disposeOpened, disposeLater } from './disposal.ts';

const projectRoot = fileURLToPath(new URL('../..', import.meta.url));
const nodeBinary = process.execPath;

export interface InstanceProcess {
  readonly child: ChildProcess;
  readonly port: number;
  readonly httpUrl: string;
  readonly wsUrl: string;
  readonly output: () => string;
  /** Resolves with the exit code (or signal) when the process ends. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal?: NodeJS.Signals): void;
}

const INSTANCE = 'an instance process';

export async function startInstance(env: Record<string, string>, timeoutMs = 30_000): Promise<InstanceProcess> {
  const child = spawn(nodeBinary, ['src/main.ts'], {
    cwd: projectRoot,
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test', LOG_LEVEL: 'info', HOST: '127.0.0.1', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  // Registered before the wait for the banner: an instance that never listens is killed too.
  disposeLater(INSTANCE, () => {
    child.kill('SIGKILL');
    return exited;
  });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`instance did not start in ${timeoutMs} ms:\n${output}`)), timeoutMs);
    const check = () => {
      const match = /listening on http:\/\/[^:]+:(\d+)\//.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    };
    child.stdout!.on('data', check);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`instance exited before listening:\n${output}`));
    });
  });
  const instance: InstanceProcess = {
    child,
    port,
    httpUrl: `http://127.0.0.1:${port}/graphql`,
    wsUrl: `ws://127.0.0.1:${port}/graphql`,
    output: () => output,
    exited,
    kill: (signal = 'SIGTERM') => void child.kill(signal),
  };
  return instance;
}

/** Kills every instance still running (disposal.ts does it after the file anyway). */
export const stopAllInstances = (): Promise<void> => disposeOpened({ kind: INSTANCE });
