/** The limits of a LoginWindow; DEFAULT_LOGIN_WINDOW is what a run uses. */
export interface LoginWindowLimits {
  /** Logins at once when the run starts. */
  start: number;
  min: number;
  max: number;
  /** A login this quick makes room for one more at once. */
  fastMs: number;
  /** When the median of the last `sample` logins is slower than this, the window halves. */
  slowMs: number;
  sample: number;
}

export const DEFAULT_LOGIN_WINDOW: LoginWindowLimits = { start: 16, min: 4, max: 64, fastMs: 1000, slowMs: 5000, sample: 8 };

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/**
 * How many logins (SSH handshakes, the run lock's start, a remote shell's start) are in flight at
 * once. Each costs key exchange and signing on both ends, and on the host its login shell with
 * its rc files. Fixed at 64, a thousand-host run on a 2-core controller whose hosts shared its
 * cores lost most hosts: every login slowed past its 30 s. So the window adapts, as TCP's does:
 * one more at once after each quick login (up to `max`), half as many when the median of the
 * last `sample` logins is slow (down to `min`). A median, so that a few slow hosts (an sshd
 * waiting on DNS) do not throttle the fleet, while a saturated controller, jump host or host
 * pool, where every login slows, does. Only logins that began after the last halving count for
 * the next one: those already in flight were started by the larger window.
 */
export class LoginWindow {
  private limit: number;
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  private recent: number[] = [];
  /** Bumped at each halving; a login remembers the epoch it began in. */
  private epoch = 0;

  constructor(
    private readonly limits: LoginWindowLimits = DEFAULT_LOGIN_WINDOW,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.limit = limits.start;
  }

  /** Logins allowed at once right now. */
  get size(): number {
    return this.limit;
  }

  /** Runs one login in the window; its time (success or failure) adjusts the window. */
  async run<T>(login: () => Promise<T>): Promise<T> {
    await this.enter();
    const began = this.epoch;
    const t0 = this.now();
    try {
      return await login();
    } finally {
      this.record(this.now() - t0, began);
      this.leave();
    }
  }

  private enter(): Promise<void> {
    if (this.active < this.limit) {
      this.active++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private leave(): void {
    this.active--;
    while (this.active < this.limit && this.waiting.length > 0) {
      this.active++;
      this.waiting.shift()!();
    }
  }

  private record(ms: number, began: number): void {
    if (began !== this.epoch) return;
    this.recent.push(ms);
    if (this.recent.length > this.limits.sample) this.recent.shift();
    if (this.recent.length === this.limits.sample && median(this.recent) > this.limits.slowMs) {
      this.limit = Math.max(this.limits.min, Math.floor(this.limit / 2));
      this.epoch++;
      this.recent = [];
      return;
    }
    if (ms < this.limits.fastMs) this.limit = Math.min(this.limits.max, this.limit + 1);
  }
}
