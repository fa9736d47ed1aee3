import type { Connection, ConnectionSpec, HeldCommand } from '../connection.ts';
import { CONNECTION_VARS, connectionSpecFor, SECRET_CONNECTION_VARS } from '../connections/spec.ts';
import { removeStaleTempFilesArgv, removeTempFilesArgv } from '../connections/temp-file.ts';
import { ConnectionError, formatPos, TaskError } from '../errors.ts';
import type { InventoryHost, Play, TaskCall } from '../model.ts';
import { renderValue, Undefined, type Scope } from '../template/template.ts';
import { scopeFor, type RunContext } from './run-context.ts';
import { runLockName, startRunLock, type RunLockOptions } from './run-lock.ts';
import type { ConnectionBudget, SlotHolder } from './connection-budget.ts';
import { FirstCommandConnection } from './first-command.ts';

export type OpenConnection = (spec: ConnectionSpec) => Promise<Connection>;

/** What a task asks of its host for a connection; the session decides which one it gets. */
export interface ConnectionRequest {
  call: Pick<TaskCall, 'become' | 'becomeUser' | 'delegateTo' | 'pos'>;
  play: Play;
  /** The task's variables on this host (delegate_to is rendered in it). */
  scope: Scope;
  /** The session of a delegate_to host, by inventory name. */
  delegate?: (name: string) => HostSession;
  /** The host could not be reached for facts: asking for its connection fails with this, without a second attempt. */
  unreachable?: string;
}

/** The privilege a connection runs with: task and play become / become_user; unset leaves the inventory's. */
interface Privilege {
  become?: boolean;
  becomeUser?: string;
}

function privilegeOf(call: ConnectionRequest['call'], play: Play): Privilege {
  const become = call.become ?? play.become;
  const becomeUser = call.becomeUser ?? play.becomeUser;
  return { ...(become === undefined ? {} : { become }), ...(becomeUser && become !== false ? { becomeUser } : {}) };
}

function samePrivilege(a: Privilege, b: Privilege): boolean {
  return a.become === b.become && a.becomeUser === b.becomeUser;
}

/** Everything the run keeps per host: its connection (opened once), registered vars, check-mode state. */
export class HostSession implements SlotHolder {
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
  private privilege: Privilege = {};
  private connKind: ConnectionSpec['kind'] = 'ssh';
  private lockName = '';
  /** The host's run lock, and the connection it is held through (kept open while it is held). */
  private lock: { conn: Promise<Connection>; held: Promise<HeldCommand> } | undefined;
  private warnedHostKeyOff = false;
  /** Privileges whose scratch dirs this run has swept on the host (a reconnect does not sweep again). */
  private readonly sweptScratchDirs = new Set<string>();

  /** Without a budget, the connection stays open until end(). */
  constructor(
    readonly host: InventoryHost,
    private readonly budget?: ConnectionBudget,
  ) {}

  get name(): string {
    return this.host.name;
  }

  /**
   * The connection a task runs over: this host's, or its delegate_to host's. The connection is
   * opened once and reused; a task whose privilege (become, become_user) differs from the open
   * connection's closes it and opens one with the new privilege. A run that changes hosts takes
   * the host's run lock before the connection is handed out (once, held until end()); a host
   * reached only as a delegate, or over the local connection (the controller itself), takes none.
   * With a budget, the host holds one of the run's connection slots while `use` runs; once it is
   * done, its open connection may be closed for another host (released lock included, taken
   * again at the reconnect).
   */
  async withConnection<T>(req: ConnectionRequest, rc: RunContext, use: (conn: Connection) => Promise<T>): Promise<T> {
    const target = this.delegateTarget(req);
    if (target === this && req.unreachable) throw new ConnectionError(this.name, req.unreachable);
    const scope = target === this ? req.scope : scopeFor(rc, target, req.play);
    const privilege = privilegeOf(req.call, req.play);
    const runLock = target === this && !rc.checkMode ? rc.runLock : undefined;
    await target.budget?.enter(target);
    try {
      const conn = await target.open(privilege, () => target.specFor(req.play, privilege, scope, rc), rc.openConnection, rc.checkMode, runLock);
      return await use(conn);
    } finally {
      target.budget?.leave(target);
    }
  }

  /** The budget takes this host's slot for another host: the connection closes, the next task reconnects. */
  evict(): Promise<void> {
    return this.close();
  }

  private delegateTarget(req: ConnectionRequest): HostSession {
    if (!req.call.delegateTo) return this;
    const name = String(renderValue(req.call.delegateTo, req.scope));
    if (name === this.name) return this;
    if (!req.delegate) throw new TaskError(`${formatPos(req.call.pos)}: delegate_to is not available here`);
    return req.delegate(name);
  }

  /**
   * Task and play become / become_user override the inventory's; play connection / remote_user
   * only fill in what the inventory leaves open (in Ansible, variables beat keywords), and the
   * command line's -u, -c, -b, --private-key ... what both leave open. Only the
   * connection's own variables are rendered, at full precedence (so -e ansible_connection=local
   * acts and an unused inventory variable naming a fact fails nothing).
   */
  private specFor(play: Play, privilege: Privilege, scope: Scope, rc: RunContext): ConnectionSpec {
    const keywords: Record<string, unknown> = {
      ...(play.connection ? { ansible_connection: play.connection } : {}),
      ...(play.remoteUser ? { ansible_user: play.remoteUser } : {}),
    };
    const connectionVars: Record<string, unknown> = {};
    for (const name of CONNECTION_VARS) {
      const value = scope.lookup(name);
      if (!(value instanceof Undefined)) connectionVars[name] = value;
    }
    const overrides: Record<string, unknown> = {
      ...(privilege.become === undefined ? {} : { ansible_become: privilege.become }),
      ...(privilege.becomeUser === undefined ? {} : { ansible_become_user: privilege.becomeUser }),
    };
    const vars = { ...rc.connectionDefaults, ...keywords, ...connectionVars, ...overrides };
    for (const k of SECRET_CONNECTION_VARS) rc.masker.add(vars[k]);
    const spec = connectionSpecFor(this.name, vars);
    if (spec.kind === 'ssh' && spec.hostKeyChecking === false && !this.warnedHostKeyOff) {
      this.warnedHostKeyOff = true;
      rc.reporter.notice(`[${this.name}] WARNING: host key checking is off: the identity of this host is not verified`);
    }
    return spec;
  }

  private async open(privilege: Privilege, spec: () => ConnectionSpec, open: OpenConnection, checkMode: boolean, runLock?: RunLockOptions): Promise<Connection> {
    if (this.conn && !samePrivilege(this.privilege, privilege)) await this.closeKeepingLock();
    if (!this.conn) {
      const s = spec();
      this.connKind = s.kind;
      this.lockName = runLockName(s);
      // What an earlier run that was killed left in the host's temp dir goes before this run's
      // first command there (once per privilege: a reconnect finds only this run's own dirs). A
      // --check run changes nothing on the host, leftovers included.
      const sweepKey = `${privilege.become}:${privilege.becomeUser}`;
      const claimSweep = (): boolean => {
        if (this.sweptScratchDirs.has(sweepKey)) return false;
        this.sweptScratchDirs.add(sweepKey);
        return true;
      };
      const turn = <T>(fn: () => Promise<T>): Promise<T> => this.inTurn(fn);
      const p = this.inTurn(async () => new FirstCommandConnection(await open(s), { sweep: checkMode ? () => false : claimSweep, turn }));
      this.conn = p;
      this.privilege = privilege;
      p.catch(() => {
        if (this.conn === p) {
          this.conn = undefined;
          if (!this.lock) this.budget?.released(this);
        }
      });
    }
    const conn = this.conn;
    if (runLock && this.connKind !== 'local' && !this.lock) {
      const name = this.lockName;
      // Its login counts against the handshake limit, as the connect did: a thousand hosts do not
      // log in at once, past the time a host has to show it runs commands.
      const lock = { conn, held: conn.then(async (c) => (await this.inTurn(() => startRunLock(c, runLock, name))).taken) };
      this.lock = lock;
      lock.held.catch(() => {
        if (this.lock === lock) this.lock = undefined;
      });
    }
    if (runLock && this.lock) await this.lock.held;
    return conn;
  }

  /** Runs fn in one of the budget's handshake turns (its limit on logins at once); at once without a budget. */
  private inTurn<T>(fn: () => Promise<T>): Promise<T> {
    return this.budget ? this.budget.handshake(fn) : fn();
  }

  /** A change of privilege: the old connection goes, unless the run lock is held through it. */
  private async closeKeepingLock(): Promise<void> {
    if (this.lock && this.lock.conn === this.conn) this.conn = undefined;
    else await this.close();
  }

  /**
   * Removes, once per target and run, the temp files that a killed run's writes of `path` left
   * beside it (stale ones only: a concurrent run's live write is kept).
   */
  async sweepStaleTempFiles(conn: Connection, path: string): Promise<void> {
    if (this.sweptTargets.has(path)) return;
    this.sweptTargets.add(path);
    const done = conn.removeStaleTempFiles ? conn.removeStaleTempFiles(path) : conn.exec(removeStaleTempFilesArgv(path));
    await done.catch(() => undefined);
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

  /**
   * Closes the connection (also used to abort a hung command); the next task reconnects. A run
   * lock held through it is released first (its holder on the host ends), and the next connect
   * takes it again.
   */
  async close(): Promise<void> {
    const p = this.conn;
    this.conn = undefined;
    const lock = this.lock;
    if (lock && lock.conn === p) {
      this.lock = undefined;
      await (await lock.held.catch(() => null))?.release().catch(() => undefined);
    }
    if (p) await (await p.catch(() => null))?.close().catch(() => undefined);
    if (!this.conn && !this.lock) this.budget?.released(this);
  }

  /** The end of the run on this host: the run lock is released, every connection closed. */
  async end(): Promise<void> {
    const lock = this.lock;
    this.lock = undefined;
    if (lock) {
      await (await lock.held.catch(() => null))?.release().catch(() => undefined);
      if (lock.conn !== this.conn) await (await lock.conn.catch(() => null))?.close().catch(() => undefined);
    }
    await this.close();
  }
}
