import type { Connection, ExecOptions, ExecResult, FileInfo, HoldOutcome, HoldStart, WriteOptions } from '../connection.ts';
import { sweepScratchDirsArgv } from '../connections/temp-file.ts';

export interface FirstCommandOptions {
  /** True when this connection is the one to sweep (once per host and privilege in a run; never in --check). */
  sweep: () => boolean;
  /** Runs fn in one of the run's handshake turns (the budget's limit on logins at once). */
  turn: <T>(fn: () => Promise<T>) => Promise<T>;
}

/**
 * A host's connection whose first command waits for a short one of tackle's own, sent in a
 * handshake turn: the sweep of what killed runs left in the host's temp dir
 * (connections/temp-file.ts), or `true` in --check, which changes nothing. That first command
 * starts the host's remote shell, a login: in a turn, a thousand hosts do not log in at once,
 * and a task's own command (a pull may take minutes) never holds a turn. It waits for a first
 * command rather than the connect, because a run whose tasks only read state over SFTP (a
 * --check or warm run) then starts no remote shell on the host at all.
 */
export class FirstCommandConnection implements Connection {
  readonly hostName: string;
  /** The inner connection's, when it has one: it sends no command, so it waits for no first one. */
  readonly removeStaleTempFiles?: (path: string) => Promise<void>;
  private first: Promise<void> | undefined;

  constructor(
    private readonly inner: Connection,
    private readonly opts: FirstCommandOptions,
  ) {
    this.hostName = inner.hostName;
    if (inner.removeStaleTempFiles) this.removeStaleTempFiles = (path) => inner.removeStaleTempFiles!(path);
  }

  async exec(argv: readonly string[], opts?: ExecOptions): Promise<ExecResult> {
    this.first ??= this.opts.turn(() => this.inner.exec(this.opts.sweep() ? sweepScratchDirsArgv() : ['true'], { probe: true })).then(
      () => undefined,
      () => undefined,
    );
    await this.first;
    return this.inner.exec(argv, opts);
  }

  readFile(path: string): Promise<Buffer | null> {
    return this.inner.readFile(path);
  }

  writeFile(path: string, data: string | Buffer, opts?: WriteOptions): Promise<void> {
    return this.inner.writeFile(path, data, opts);
  }

  stat(path: string): Promise<FileInfo | null> {
    return this.inner.stat(path);
  }

  mkdir(path: string, opts?: { mode?: number }): Promise<void> {
    return this.inner.mkdir(path, opts);
  }

  remove(path: string, opts?: { recursive?: boolean }): Promise<void> {
    return this.inner.remove(path, opts);
  }

  hold(argv: readonly string[], readyLine: string, start?: HoldStart): Promise<HoldOutcome> {
    return this.inner.hold(argv, readyLine, start);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
