import type { Connection, ExecOptions, ExecResult, FileInfo, HoldOutcome, WriteOptions } from '../connection.ts';
import { sweepScratchDirsArgv } from '../connections/temp-file.ts';

/**
 * A host's connection whose first command is preceded by the sweep of what killed runs left in
 * the host's temp dir (connections/temp-file.ts). The sweep waits for that first command rather
 * than the connect, because a run whose tasks only read state over SFTP (a --check or warm run)
 * then starts no remote shell on the host at all; a run that never runs a command also makes no
 * scratch dir of its own to sweep beside.
 */
export class SweepingConnection implements Connection {
  readonly hostName: string;
  private swept: Promise<void> | undefined;

  /** claimSweep: true when this connection is the one to sweep (once per host and privilege in a run). */
  constructor(
    private readonly inner: Connection,
    private readonly claimSweep: () => boolean,
  ) {
    this.hostName = inner.hostName;
  }

  async exec(argv: readonly string[], opts?: ExecOptions): Promise<ExecResult> {
    this.swept ??= this.claimSweep()
      ? this.inner.exec(sweepScratchDirsArgv(), { probe: true }).then(
          () => undefined,
          () => undefined,
        )
      : Promise.resolve();
    await this.swept;
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

  hold(argv: readonly string[], readyLine: string): Promise<HoldOutcome> {
    return this.inner.hold(argv, readyLine);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
