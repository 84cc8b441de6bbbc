import pino, { type DestinationStream, type Logger } from 'pino';

/**
 * Paths pino blanks in every log line. Bodies are never logged, but anything that might carry a
 * secret (an error's context, a connection object, an exchange request) is covered here too.
 */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers["x-mbx-apikey"]',
  'req.headers.cookie',
  'apiKey',
  'apiSecret',
  'secret',
  'passphrase',
  'password',
  'token',
  '*.apiKey',
  '*.apiSecret',
  '*.secret',
  '*.passphrase',
  '*.password',
  '*.token',
  '*.*.apiKey',
  '*.*.apiSecret',
  '*.*.secret',
  '*.*.passphrase',
  'credentials',
  '*.credentials',
];

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      base: { pid: process.pid },
    },
    destination ?? pino.destination(1),
  );
}
