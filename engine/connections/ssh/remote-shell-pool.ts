import type { RemoteShell } from './remote-shell.ts';

/** OpenSSH allows 10 sessions per connection by default: shells, SFTP and the odd kill channel fit. */
export const MAX_SHELLS = 4;
/** A burst of quick commands is usually served by the shells already open: wait this long before logging in again. */
const GROW_DELAY_MS = 20;

/**
 * Persistent remote shells of one connection, each running one command at a time. Opens the first
 * on demand, more (up to the limit) while callers wait. acquire() resolves undefined when no shell
 * can run on this host: the caller then falls back to one channel per command.
 */
export class RemoteShellPool {
  private readonly idle: RemoteShell[] = [];
  private readonly shells = new Set<RemoteShell>();
  private readonly waiters: ((shell: RemoteShell | undefined) => void)[] = [];
  private opening = 0;
  private growTimer: NodeJS.Timeout | undefined;
  private unavailable = false;
  /** Why the first shell could not start, once no shell can run here. */
  private failure: Error | undefined;
  private closed = false;

  constructor(
    private readonly open: () => Promise<RemoteShell>,
    private limit = MAX_SHELLS,
  ) {}

  get usable(): boolean {
    return !this.unavailable && !this.closed;
  }

  /** Why no shell can run on this host (undefined while one can, or none was tried). */
  get unavailableBecause(): Error | undefined {
    return this.failure;
  }

  acquire(): Promise<RemoteShell | undefined> {
    if (!this.usable) return Promise.resolve(undefined);
    const shell = this.takeIdle();
    if (shell) return Promise.resolve(shell);
    return new Promise((resolve) => {
      this.waiters.push(resolve);
      this.grow();
    });
  }

  /** An idle shell right now, or undefined (never waits, never opens one). */
  takeIdle(): RemoteShell | undefined {
    while (this.idle.length > 0) {
      const shell = this.idle.pop()!;
      if (shell.alive) return shell;
    }
    return undefined;
  }

  release(shell: RemoteShell): void {
    if (!shell.alive || this.closed) return;
    const next = this.waiters.shift();
    if (next) next(shell);
    else this.idle.push(shell);
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.growTimer);
    for (const shell of this.shells) shell.close();
    this.flushWaiters();
  }

  private grow(): void {
    if (this.shells.size === 0) return this.openOne();
    if (this.growTimer) return;
    this.growTimer = setTimeout(() => {
      this.growTimer = undefined;
      this.openOne();
    }, GROW_DELAY_MS);
  }

  private openOne(): void {
    if (this.closed || this.waiters.length <= this.opening || this.shells.size + this.opening >= this.limit) return;
    this.opening++;
    this.open().then(
      (shell) => {
        this.opening--;
        if (this.closed) return shell.close();
        this.shells.add(shell);
        shell.onEnd(() => {
          this.shells.delete(shell);
          if (this.waiters.length > 0) this.grow();
        });
        this.release(shell);
        if (this.waiters.length > 0) this.grow();
      },
      (e: Error) => {
        this.opening--;
        if (this.shells.size === 0 && this.opening === 0) {
          this.unavailable = true;
          this.failure = e;
          this.flushWaiters();
        } else {
          this.limit = Math.max(1, this.shells.size + this.opening); // the server allows no more sessions
        }
      },
    );
  }

  private flushWaiters(): void {
    for (const waiter of this.waiters.splice(0)) waiter(undefined);
  }
}
