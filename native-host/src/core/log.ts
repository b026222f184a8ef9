// The logging port the engine declares (DESIGN rule 6). The native-messaging host writes a file
// (stdout is its message channel); the CLI keeps quiet; tests may collect.

export interface Logger {
  info(msg: string, data?: Record<string, unknown>): void;
  warn(msg: string, data?: Record<string, unknown>): void;
  error(msg: string, data?: Record<string, unknown>): void;
}

export const nullLogger: Logger = { info() {}, warn() {}, error() {} };
