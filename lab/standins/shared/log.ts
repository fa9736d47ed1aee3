/** One line per event on stderr, which podman logs and journald keep. */
export function log(component: string, message: string): void {
  process.stderr.write(`${new Date().toISOString()} ${component}: ${message}\n`);
}

/** Refuses to start, as the real program does on a bad config: the reason, then exit 1. */
export function refuse(component: string, reason: string): never {
  log(component, `refusing to start: ${reason}`);
  process.exit(1);
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
