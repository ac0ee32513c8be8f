// The process logger: JSON lines by pino; tokens and authorization headers never reach it.
import { pino, type Logger } from 'pino';
import type { Config } from '../config.ts';

export function createLogger(config: Config): Logger {
  return pino({
    level: config.logLevel,
    redact: { paths: ['req.headers.authorization', '*.authorization', '*.token', 'token'], censor: '[redacted]' },
  });
}
