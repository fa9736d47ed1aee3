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
 * files of writes in flight (within a budget) and exits; the third exits at once. SIGTERM (a
 * service manager or CI stopping the run, with SIGKILL not far behind) is the second Ctrl-C
 * at once: the temp files are removed, then tackle exits.
 */
export function installInterruptHandler(err: { write(text: string): unknown }, exitCode: number): InterruptHandler {
  const interrupted = { value: false };
  let hardStop: ((ms: number) => Promise<void>) | undefined;
  let quitting = false;
  const quitNow = (message: string): void => {
    interrupted.value = true;
    quitting = true;
    err.write(message);
    const cleanup = hardStop?.(HARD_STOP_CLEANUP_MS) ?? Promise.resolve();
    // The sweep keeps to its budget; the timer is the backstop for a sweep stuck on a dead connection.
    const backstop = new Promise<void>((r) => setTimeout(r, HARD_STOP_CLEANUP_MS + 500));
    void Promise.race([cleanup, backstop]).finally(() => process.exit(exitCode));
  };
  const onSigint = (): void => {
    if (quitting) process.exit(exitCode);
    if (interrupted.value) return quitNow('tackle: quitting now; removing the temp files of writes in flight (Ctrl-C again to skip)\n');
    stopStarting('\ntackle: interrupted; finishing the tasks in flight (Ctrl-C again to quit now)\n');
  };
  const onSigterm = (): void => {
    if (!quitting) quitNow('\ntackle: terminated (SIGTERM); removing the temp files of writes in flight, then quitting\n');
  };
  const stopStarting = (why: string): void => {
    if (interrupted.value) return;
    interrupted.value = true;
    err.write(why);
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigterm);
  return {
    interrupted,
    onHardStop: (stop) => (hardStop = stop),
    stopStarting,
    remove: () => {
      process.off('SIGINT', onSigint);
      process.off('SIGTERM', onSigterm);
    },
  };
}
