import type { Connection, ConnectionSpec } from './connection.ts';
import type { InventoryHost } from './model.ts';

export type OpenConnection = (spec: ConnectionSpec) => Promise<Connection>;

/** Everything the run keeps per host: its connection (opened once), registered vars, check-mode state. */
export class HostSession {
  registered: Record<string, unknown> = {};
  /** Paths earlier tasks would change (check mode). */
  readonly pending = new Set<string>();
  /** Handler names notified in the current batch. */
  readonly notified = new Set<string>();
  state: 'active' | 'failed' | 'unreachable' = 'active';
  private conn: Promise<Connection> | undefined;

  constructor(readonly host: InventoryHost) {}

  get name(): string {
    return this.host.name;
  }

  connect(spec: () => ConnectionSpec, open: OpenConnection): Promise<Connection> {
    if (!this.conn) {
      const p = open(spec());
      this.conn = p;
      p.catch(() => {
        if (this.conn === p) this.conn = undefined;
      });
    }
    return this.conn;
  }

  /** Closes the connection (also used to abort a hung command); the next task reconnects. */
  async close(): Promise<void> {
    const p = this.conn;
    this.conn = undefined;
    if (p) await (await p.catch(() => null))?.close().catch(() => undefined);
  }
}
