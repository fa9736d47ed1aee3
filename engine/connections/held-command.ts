import type { ExecResult, HeldCommand, HoldOutcome, HoldStart } from '../connection.ts';

/** How long release() waits for a held command to end once its stdin is closed. */
export const RELEASE_WAIT_MS = 5000;

/**
 * The one way a held command's start is judged, for every connection: `held` as soon as a whole
 * stdout line equals `readyLine`, else the command's result once it has ended.
 */
export class ReadyLineWatch {
  private stdout = '';
  private stderr = '';
  private settled = false;
  private started = false;

  constructor(
    private readonly readyLine: string,
    private readonly settle: (outcome: HoldOutcome) => void,
    private readonly release: () => Promise<void>,
    private readonly start?: HoldStart,
  ) {}

  private markStarted(): void {
    if (this.started) return;
    this.started = true;
    this.start?.onStarted?.();
  }

  onStdout(data: Buffer): void {
    this.stdout += data.toString('utf8');
    if (!this.started && this.start && `\n${this.stdout}`.includes(`\n${this.start.line}\n`)) this.markStarted();
    if (!this.settled && `\n${this.stdout}`.includes(`\n${this.readyLine}\n`)) {
      this.settled = true;
      const held: HeldCommand = { release: this.release };
      this.markStarted();
      this.settle({ held });
    }
  }

  onStderr(data: Buffer): void {
    if (this.stderr.length < 64 * 1024) this.stderr += data.toString('utf8');
  }

  /** The command ended (code as a shell reports it). */
  onEnd(code: number): void {
    if (this.settled) return;
    this.settled = true;
    this.markStarted();
    const result: ExecResult = { code, stdout: this.stdout, stderr: this.stderr };
    this.settle({ exited: result });
  }
}

/** Waits for p, or until `ms` have passed; true when p came first. */
export async function within(p: Promise<unknown>, ms: number): Promise<boolean> {
  const late = Symbol('late');
  let timer: NodeJS.Timeout | undefined;
  try {
    return (await Promise.race([p, new Promise((r) => (timer = setTimeout(() => r(late), ms)))])) !== late;
  } finally {
    clearTimeout(timer);
  }
}
