const LEVELS = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 } as const;
export type TLogLevel = keyof typeof LEVELS;
export type Logger = Record<
  Exclude<TLogLevel, 'silent'>,
  (msg: string, fields?: Record<string, unknown>) => void
>;

/** JSON lines on stderr, one per event. */
export function createLogger(level: TLogLevel): Logger {
  const at = (l: Exclude<TLogLevel, 'silent'>) => (msg: string, fields?: Record<string, unknown>) => {
    if (LEVELS[l] < LEVELS[level]) return;
    process.stderr.write(`${JSON.stringify({ t: new Date().toISOString(), level: l, msg, ...fields })}\n`);
  };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
