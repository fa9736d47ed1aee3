/** How long a second Ctrl-C waits for temp files of interrupted writes to be removed. */
const HARD_STOP_CLEANUP_MS = 2000;

export interface InterruptHandler {
  /** Set on the first Ctrl-C: no new task starts. */
  interrupted: { value: boolean };
  /** The runner hands over its "stop writing and clean up within N ms" function here. */
  onHardStop(stop: (ms: number) => Promise<void>): void;
  /** What a first Ctrl-C does, for another reason (the reader of stdout went away), told by `why`. */
  stopStarting(why: string): void;
  remove(): void;
}

/**
 * Ctrl-C during a run: the first lets the tasks in flight finish; the second removes the temp
 * files of writes in flight (within a budget) and exits; the third exits at once.
 */
export function installInterruptHandler(err: { write(text: string): unknown }, exitCode: number): InterruptHandler {
  const interrupted = { value: false };
  let hardStop: ((ms: number) => Promise<void>) | undefined;
  let quitting = false;
  const onSigint = (): void => {
    if (quitting) process.exit(exitCode);
    if (interrupted.value) {
      quitting = true;
      err.write('tackle: quitting now; removing the temp files of writes in flight (Ctrl-C again to skip)\n');
      const cleanup = hardStop?.(HARD_STOP_CLEANUP_MS) ?? Promise.resolve();
      // The sweep keeps to its budget; the timer is the backstop for a sweep stuck on a dead connection.
      const backstop = new Promise<void>((r) => setTimeout(r, HARD_STOP_CLEANUP_MS + 500));
      void Promise.race([cleanup, backstop]).finally(() => process.exit(exitCode));
      return;
    }
    stopStarting('\ntackle: interrupted; finishing the tasks in flight (Ctrl-C again to quit now)\n');
  };
  const stopStarting = (why: string): void => {
    if (interrupted.value) return;
    interrupted.value = true;
    err.write(why);
  };
  process.on('SIGINT', onSigint);
  return {
    interrupted,
    onHardStop: (stop) => (hardStop = stop),
    stopStarting,
    remove: () => void process.off('SIGINT', onSigint),
  };
}
