import { readFileSync } from 'node:fs';
import { LoginWindow } from './login-window.ts';

/** A host session as the budget sees it: it holds a slot while its connection is open. */
export interface SlotHolder {
  /** Closes the holder's connection (the next task of the host reconnects). */
  evict(): Promise<void>;
}

/**
 * File descriptors the run keeps for itself beside its connections: stdio, the event loop's,
 * the report and retry files, templates and vars files read mid-run, local commands' pipes.
 */
export const FD_RESERVE = 64;

/** The soft RLIMIT_NOFILE of this process (Linux /proc), or undefined when it cannot be read or is unlimited. */
export function openFileLimit(limitsText?: string): number | undefined {
  let text = limitsText;
  if (text === undefined) {
    try {
      text = readFileSync('/proc/self/limits', 'utf8');
    } catch {
      return undefined;
    }
  }
  const m = /^Max open files\s+(\d+|unlimited)\s/m.exec(text);
  return m && m[1] !== 'unlimited' ? Number(m[1]) : undefined;
}

/** Connections the run may keep open at once under an open-file limit (at least 1). */
export function connectionCapacity(nofile: number | undefined): number {
  return nofile === undefined ? Infinity : Math.max(1, nofile - FD_RESERVE);
}

/**
 * Open connections of one run, bounded by the open-file limit rather than the host count.
 * A host that needs a connection while all slots are taken closes the connection of the host
 * that went idle last (its task is over), or waits until a host is done with its own.
 * Last, not longest: a play visits its hosts in the same order at every task, so the host idle
 * longest is the next one due, and evicting it would make every host reconnect at every task
 * once there are more hosts than slots; the host that finished last is due last.
 */
export class ConnectionBudget {
  private readonly holders = new Set<SlotHolder>();
  /** Holders with an open connection and no task on it. */
  private readonly idle = new Set<SlotHolder>();
  /** The order they went idle, newest last; entries no longer in `idle` are dropped when met. */
  private readonly idleOrder: SlotHolder[] = [];
  private readonly users = new Map<SlotHolder, number>();
  private readonly waiting: (() => void)[] = [];
  /** Logins at once: a thousand started together on a small controller all finish late, past their timeout. */
  readonly logins: LoginWindow;

  constructor(
    readonly capacity: number,
    logins = new LoginWindow(),
  ) {
    this.logins = logins;
  }

  /** Open connections right now. */
  get open(): number {
    return this.holders.size;
  }

  /** A task begins on the holder's connection: once this resolves, the holder has a slot. */
  async enter(h: SlotHolder): Promise<void> {
    this.users.set(h, (this.users.get(h) ?? 0) + 1);
    this.idle.delete(h);
    while (!this.holders.has(h)) {
      if (this.holders.size < this.capacity) {
        this.holders.add(h);
        return;
      }
      const victim = this.newestIdle();
      if (victim !== undefined) {
        this.idle.delete(victim);
        this.holders.delete(victim);
        this.holders.add(h);
        await victim.evict();
        return;
      }
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
  }

  /** The task is over: the holder's connection stays open, and may be taken by another host. */
  leave(h: SlotHolder): void {
    const n = (this.users.get(h) ?? 1) - 1;
    if (n > 0) {
      this.users.set(h, n);
      return;
    }
    this.users.delete(h);
    if (this.holders.has(h)) {
      this.idle.add(h);
      this.idleOrder.push(h);
      if (this.idleOrder.length > 2 * this.idle.size + 64) this.compactIdleOrder();
      this.waiting.shift()?.();
    }
  }

  /** The holder closed its connection itself (end of the run, a change of privilege, a timeout). */
  released(h: SlotHolder): void {
    if (!this.holders.delete(h)) return;
    this.idle.delete(h);
    this.waiting.shift()?.();
  }

  /** The holder that went idle last, in amortised constant time (a scan per eviction grew with the host count). */
  private newestIdle(): SlotHolder | undefined {
    while (this.idleOrder.length > 0) {
      const h = this.idleOrder.pop()!;
      if (this.idle.has(h)) return h;
    }
    return undefined;
  }

  /** Drops entries of holders no longer idle and older entries of those idle again since, keeping the order. */
  private compactIdleOrder(): void {
    const seen = new Set<SlotHolder>();
    const kept: SlotHolder[] = [];
    for (let i = this.idleOrder.length - 1; i >= 0; i--) {
      const h = this.idleOrder[i]!;
      if (!this.idle.has(h) || seen.has(h)) continue;
      seen.add(h);
      kept.push(h);
    }
    this.idleOrder.length = 0;
    for (let i = kept.length - 1; i >= 0; i--) this.idleOrder.push(kept[i]!);
  }

  /** Runs one login in the run's login window (its timeout starts when it does). */
  handshake<T>(open: () => Promise<T>): Promise<T> {
    return this.logins.run(open);
  }
}

