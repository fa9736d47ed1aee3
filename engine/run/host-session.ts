import type { Connection, ConnectionSpec } from '../connection.ts';
import type { InventoryHost } from '../model.ts';
import { removeStaleTempFilesArgv, removeTempFilesArgv, sweepScratchDirsArgv } from '../connections/temp-file.ts';

export type OpenConnection = (spec: ConnectionSpec) => Promise<Connection>;

/** Everything the run keeps per host: its connection (opened once), registered vars, check-mode state. */
export class HostSession {
  registered: Record<string, unknown> = {};
  /** Paths earlier tasks would change (check mode). */
  readonly pending = new Set<string>();
  /** Handler names notified in the current batch. */
  readonly notified = new Set<string>();
  state: 'active' | 'failed' | 'unreachable' = 'active';
  /** Target paths of writeFile calls not finished yet (for the cleanup on a hard stop). */
  readonly writesInFlight = new Set<string>();
  /** Set on a hard stop: no new write may begin. */
  hardStopped = false;
  /** Scratch dirs (env and auth files) made through this session and not removed yet. */
  readonly scratchDirs = new Set<string>();
  /** Targets whose stale temp files (a killed run's) this run has swept already. */
  private readonly sweptTargets = new Set<string>();
  private conn: Promise<Connection> | undefined;
  private connKey = '';

  constructor(readonly host: InventoryHost) {}

  get name(): string {
    return this.host.name;
  }

  /**
   * The host's connection, opened once and reused. `becomeKey` names the privilege it runs
   * with (a play's become can differ from the inventory's): a different key closes the old
   * connection and opens one with the new privilege.
   */
  async connect(spec: () => ConnectionSpec, open: OpenConnection, becomeKey = ''): Promise<Connection> {
    if (this.conn && this.connKey !== becomeKey) await this.close();
    if (!this.conn) {
      const p = open(spec()).then(async (conn) => {
        // What an earlier run that was killed left in the host's temp dir goes first.
        await conn.exec(sweepScratchDirsArgv()).catch(() => undefined);
        return conn;
      });
      this.conn = p;
      this.connKey = becomeKey;
      p.catch(() => {
        if (this.conn === p) this.conn = undefined;
      });
    }
    return this.conn;
  }

  /**
   * Removes, once per target and run, the temp files that a killed run's writes of `path` left
   * beside it (stale ones only: a concurrent run's live write is kept).
   */
  async sweepStaleTempFiles(conn: Connection, path: string): Promise<void> {
    if (this.sweptTargets.has(path)) return;
    this.sweptTargets.add(path);
    await conn.exec(removeStaleTempFilesArgv(path)).catch(() => undefined);
  }

  /**
   * Hard stop: no new write begins, and the temp files of writes in flight are removed (every
   * connection writes PATH through a temp file beside it (connections/temp-file.ts), then renames; the targets are never
   * partial). A write may create its temp file a moment after a sweep, so sweeps repeat until
   * no write is in flight or `deadline` (ms since the epoch) comes.
   */
  async stopWrites(deadline: number): Promise<void> {
    this.hardStopped = true;
    const conn = await this.conn?.catch(() => null);
    if (!conn) return;
    const scratch = [...this.scratchDirs].filter((d) => d.startsWith('/'));
    if (scratch.length > 0) await conn.exec(['rm', '-rf', '--', ...scratch]).catch(() => undefined);
    while (this.writesInFlight.size > 0 && Date.now() < deadline) {
      await Promise.all(
        [...this.writesInFlight].map((path) =>
          conn.exec(removeTempFilesArgv(path)).catch(() => undefined),
        ),
      );
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Closes the connection (also used to abort a hung command); the next task reconnects. */
  async close(): Promise<void> {
    const p = this.conn;
    this.conn = undefined;
    if (p) await (await p.catch(() => null))?.close().catch(() => undefined);
  }
}
