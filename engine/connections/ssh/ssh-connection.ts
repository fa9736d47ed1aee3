import { FileTooLargeError, MAX_COMMAND_OUTPUT_BYTES, MAX_FILE_READ_BYTES, OutputTooLargeError } from '../output-limit.ts';
import type { Client, SFTPWrapper } from 'ssh2';
import type { Connection, ConnectionSpec, ExecOptions, ExecResult, FileInfo, HoldOutcome, HoldStart, WriteOptions } from '../../connection.ts';
import { ConnectionError, TimeoutError } from '../../errors.ts';
import { run } from '../../exec-helpers.ts';
import { mkdirByExec, removeByExec } from '../exec-file-ops.ts';
import { commandLine } from '../shell-quote.ts';
import { STALE_AFTER_MINUTES, tempNamePrefix, tempPathFor } from '../temp-file.ts';
import { connectClient, DEFAULT_KEEPALIVE_COUNT_MAX, DEFAULT_KEEPALIVE_INTERVAL_MS } from './connect.ts';
import { resolveOwner } from '../../owner.ts';
import { Semaphore } from './semaphore.ts';
import * as sftpOps from './sftp.ts';
import { DEFAULT_SFTP_REQUEST_TIMEOUT_MS, SftpGuard, SftpLost } from './sftp-guard.ts';
import { channelCommandLine, execOverChannel, holdOverChannel, killGroupArgv, killGroupOverChannel, settleOnce, type ChannelHost } from './channel-exec.ts';
import { within } from '../held-command.ts';
import { READY_TIMEOUT_MS, RemoteShell, RemoteShellEnded, RemoteShellUnavailable, type ShellFiles } from './remote-shell.ts';
import { RemoteShellPool } from './remote-shell-pool.ts';

/** Concurrent exec channels when commands run one channel each (OpenSSH allows 10 sessions; one is SFTP, one the run lock). */
const MAX_EXEC_CHANNELS = 7;
const KILL_TIMEOUT_MS = 5000;
/** Tries a command that must show the host runs commands (the run lock, a remote shell) gets to start in time. */
const START_ATTEMPTS = 2;
/** A probe's bound when the inventory sets none (tackle_probe_timeout): state reads answer in well under a second. */
export const DEFAULT_PROBE_TIMEOUT_MS = 60_000;
/** How long past the deadline the host's watchdog may take to report before the controller kills the command itself. */
const WATCHDOG_GRACE_MS = 3000;

/** The remote shell ends each output file with a one-byte mark (remote-shell-script.ts). */
const OUTPUT_FILE_MARK_BYTES = 1;

/** How commands reach the host: persistent remote shells (default), or one exec channel each (TACKLE_SSH_EXEC=channel). */
export type SshExecMode = 'shell' | 'channel';

function execModeFromEnv(): SshExecMode {
  return process.env.TACKLE_SSH_EXEC === 'channel' ? 'channel' : 'shell';
}

/** The promise's value, or undefined once the kill has taken too long. */
async function withinKillTime<T>(p: Promise<T>): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), KILL_TIMEOUT_MS)));
  try {
    return await Promise.race([p, limit]);
  } finally {
    clearTimeout(timer);
  }
}

function toBuffer(data: string | Buffer): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data, 'utf8');
}

/**
 * One ssh2 connection per host, kept open for the run: commands through a small pool of
 * persistent remote shells (falling back to one exec channel each), files over one SFTP session.
 */
export class SshConnection implements Connection {
  readonly hostName: string;
  private closed = false;
  private dropped: string | undefined;
  private sftpSession: Promise<SFTPWrapper> | undefined;
  private readonly channels = new Semaphore(MAX_EXEC_CHANNELS);
  private readonly onDrop = new Set<(reason: string) => void>();
  private readonly channelHost: ChannelHost;
  private readonly shells: RemoteShellPool | undefined;
  private commandsProven: Promise<void> | undefined;

  private constructor(
    private readonly spec: ConnectionSpec,
    private readonly client: Client,
    mode: SshExecMode,
  ) {
    this.hostName = spec.hostName;
    client.on('error', (err) => this.drop(`connection lost: ${err.message === 'Keepalive timeout' ? this.keepaliveSilence() : err.message}`));
    client.on('close', () => this.drop('connection lost'));
    this.channelHost = {
      client,
      hostName: this.hostName,
      watchDrop: (fn) => {
        this.onDrop.add(fn);
        return () => this.onDrop.delete(fn);
      },
      isDropped: () => this.dropped !== undefined,
    };
    this.shells = mode === 'shell' ? new RemoteShellPool(() => this.startShell()) : undefined;
  }

  /** How long a host has, once logged in, to start a command (tackle_start_timeout). */
  private get startTimeoutMs(): number {
    return this.spec.startTimeoutMs ?? READY_TIMEOUT_MS;
  }

  /** A remote shell that did not answer in time is closed, and one more is started. */
  private async startShell(attempt = 1): Promise<RemoteShell> {
    try {
      return await RemoteShell.start(this.client, this.shellFiles(), this.hostName, this.startTimeoutMs);
    } catch (e) {
      if (!(e instanceof RemoteShellUnavailable && e.kind === 'stalled') || this.dropped !== undefined) throw e;
      if (attempt < START_ATTEMPTS) return this.startShell(attempt + 1);
      throw new RemoteShellUnavailable(this.hostName, `logged in, but the remote shell did not answer within ${this.startTimeoutMs / 1000} s, ${attempt} times: the host runs no command`, 'stalled');
    }
  }

  static async open(spec: ConnectionSpec, mode: SshExecMode = execModeFromEnv()): Promise<SshConnection> {
    return new SshConnection(spec, await connectClient(spec), mode);
  }

  private keepaliveSilence(): string {
    const count = this.spec.keepaliveCountMax ?? DEFAULT_KEEPALIVE_COUNT_MAX;
    const seconds = ((this.spec.keepaliveIntervalMs ?? DEFAULT_KEEPALIVE_INTERVAL_MS) * (count + 1)) / 1000;
    return `the host left ${count} SSH keepalives unanswered (silent for ${seconds} s; tackle_keepalive_interval, tackle_keepalive_count)`;
  }

  /** The time limit of a command: its own, else a probe's (tackle's own state reads) or the host's command timeout. */
  private timeoutOf(opts: ExecOptions): { ms: number | undefined; probe: boolean } {
    if (opts.timeoutMs !== undefined) return { ms: opts.timeoutMs, probe: false };
    if (!opts.probe) return { ms: this.spec.commandTimeoutMs, probe: false };
    return { ms: this.spec.probeTimeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS, probe: true };
  }

  private checkAlive(): void {
    if (this.dropped !== undefined) throw new ConnectionError(this.hostName, this.dropped);
  }

  async exec(argv: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
    const limit = this.timeoutOf(opts);
    if (!limit.probe) return this.execWithin(argv, opts, limit.ms || undefined);
    try {
      return await this.execWithin(argv, opts, limit.ms || undefined);
    } catch (e) {
      if (e instanceof TimeoutError) throw new TimeoutError(`${e.message}: a state read of tackle's own, which should answer at once (tackle_probe_timeout sets the limit)`);
      throw e;
    }
  }

  private async execWithin(argv: readonly string[], opts: ExecOptions, timeoutMs: number | undefined): Promise<ExecResult> {
    const program = argv[0]!;
    // Both command lines are built (and argv checked) before anything runs.
    const shellCommand = this.shells?.usable ? commandLine(argv, opts, RemoteShell.LAUNCHER) : undefined;
    const channelLine = channelCommandLine(argv, opts, timeoutMs);
    this.checkAlive();
    if (shellCommand !== undefined) {
      // As with a channel, the time limit starts once the command has its transport: a shell's
      // one-time start (the login) is not charged to whichever command happens to come first.
      for (let shell = await this.shells!.acquire(); shell; shell = await this.shells!.acquire()) {
        if (shell.alive) return this.execInShell(shell, shellCommand, program, opts.input, timeoutMs);
      }
    }
    this.checkAlive();
    await this.provenToRunCommands();
    const release = await this.channels.acquire();
    try {
      return await execOverChannel(this.channelHost, channelLine, program, opts.input, timeoutMs);
    } finally {
      release();
    }
  }

  private execInShell(
    shell: RemoteShell,
    command: string,
    program: string,
    input: string | Buffer | undefined,
    timeoutMs: number | undefined,
  ): Promise<ExecResult> {
    return new Promise((resolve, reject) => {
      const timeoutError = () => new TimeoutError(`${this.hostName}: ${program} timed out after ${timeoutMs} ms`);
      const { finish, setTimer } = settleOnce(this.channelHost, program, reject);
      if (this.dropped !== undefined) {
        this.shells?.release(shell);
        finish(() => reject(new ConnectionError(this.hostName, this.dropped ?? 'connection lost')));
        return;
      }
      const job = shell.run(command, input === undefined ? undefined : toBuffer(input), program, timeoutMs || undefined);
      job.result.then(
        (r) => {
          this.shells?.release(shell);
          finish(() =>
            r.timedOut ? reject(timeoutError()) : resolve({ code: r.code, stdout: r.stdout.toString('utf8'), stderr: r.stderr.toString('utf8') }),
          );
        },
        (e: Error) => {
          this.shells?.release(shell);
          finish(() => reject(e));
          // The shell was this command's transport: as with a dropped session, the host is lost for this run.
          if (e instanceof RemoteShellEnded && !this.closed) this.lose(e.detail);
        },
      );
      if (timeoutMs) {
        // The host's watchdog kills the command and reports it; this only acts if that never comes.
        // A shell that has not even said the command started is not answering: the host is lost.
        setTimer(
          setTimeout(
            () =>
              finish(() =>
                void withinKillTime(job.pid.then((pid) => ({ pid })))
                  .then(async (started) => {
                    if (started) return this.killGroup(started.pid);
                    this.lose(`the host did not start ${program} within ${Math.round((timeoutMs + WATCHDOG_GRACE_MS + KILL_TIMEOUT_MS) / 1000)} s of sending it (its remote shell does not answer)`);
                  })
                  .finally(() => reject(this.dropped !== undefined ? new ConnectionError(this.hostName, this.dropped) : timeoutError())),
              ),
            timeoutMs + WATCHDOG_GRACE_MS,
          ),
        );
      }
    });
  }

  /**
   * Channel execs have no deadline of their own, so a host that logs in but never runs a command
   * (a stalled login shell or ForceCommand) would hang the run: before the first one, the host
   * must have shown that it runs commands. A shell that answered proves it; a shell that stalled
   * makes the host unreachable; otherwise one `echo` must come back within the start timeout.
   */
  private provenToRunCommands(): Promise<void> {
    const failure = this.shells?.unavailableBecause;
    if (failure instanceof RemoteShellUnavailable && failure.kind === 'answered') return Promise.resolve();
    if (failure instanceof RemoteShellUnavailable && failure.kind === 'stalled') {
      this.lose(failure.message.slice(this.hostName.length + 2));
      return Promise.reject(new ConnectionError(this.hostName, this.dropped ?? failure.message));
    }
    this.commandsProven ??= this.probeCommands();
    return this.commandsProven;
  }

  private async probeCommands(): Promise<void> {
    const token = 'tackle-runs-commands';
    let said: ExecResult | undefined;
    for (let attempt = 1; said === undefined; attempt++) {
      try {
        said = await execOverChannel(this.channelHost, `echo ${token}`, 'echo', undefined, this.startTimeoutMs);
      } catch (e) {
        if (!(e instanceof TimeoutError)) throw e;
        if (attempt < START_ATTEMPTS) continue;
        this.lose(`logged in, but a command sent to the host did not answer within ${this.startTimeoutMs / 1000} s, ${attempt} times: the host runs no command`);
        throw new ConnectionError(this.hostName, this.dropped!);
      }
    }
    // A noisy .bashrc prints before it (maybe without a newline): what echo printed comes last.
    if (!said.stdout.endsWith(`${token}\n`)) {
      this.lose(`logged in, but the host does not run the commands it is sent (echo printed ${JSON.stringify(said.stdout.slice(-80))}, exit ${said.code}): a ForceCommand or restricted shell?`);
      throw new ConnectionError(this.hostName, this.dropped!);
    }
  }

  /** Kills process group `pid` through an idle shell when there is one, else through a fresh channel. */
  private async killGroup(pid: number | undefined): Promise<void> {
    if (pid === undefined || this.dropped !== undefined) return;
    const shell = this.shells?.takeIdle();
    if (!shell) return killGroupOverChannel(this.channelHost, pid);
    const job = shell.run(commandLine(killGroupArgv(pid), {}, RemoteShell.LAUNCHER), undefined, 'kill');
    void job.result.catch(() => {}).finally(() => this.shells?.release(shell));
    await withinKillTime(job.result.then(() => {}, () => {}));
  }

  private drop(reason: string): void {
    if (this.dropped !== undefined) return;
    this.dropped = this.closed ? 'connection closed' : reason;
    this.shells?.close();
    for (const fn of this.onDrop) fn(this.dropped);
  }

  /** Declares the connection lost (a remote shell died under a command) and closes it. */
  private lose(reason: string): void {
    if (this.dropped !== undefined) return;
    this.drop(`connection lost: ${reason}`);
    this.client.end();
  }

  private shellFiles(): ShellFiles {
    return {
      read: (path) => this.withSftp(`read of ${path}`, (s) => sftpOps.readFile(s, path, MAX_COMMAND_OUTPUT_BYTES + OUTPUT_FILE_MARK_BYTES, () => new OutputTooLargeError('a command\'s output'))),
      unlink: (path) => this.withSftp(`removal of ${path}`, (s) => sftpOps.unlinkQuietly(s, path)),
    };
  }

  private sftp(): Promise<SFTPWrapper> {
    this.checkAlive();
    this.sftpSession ??= new Promise<SFTPWrapper>((resolve, reject) => {
      this.client.sftp((err, sftp) => {
        if (err) {
          this.sftpSession = undefined;
          reject(new ConnectionError(this.hostName, `cannot open SFTP session: ${err.message}`));
          return;
        }
        const guard = new SftpGuard(sftp, this.spec.fileTimeoutMs ?? DEFAULT_SFTP_REQUEST_TIMEOUT_MS, (reason) => this.lose(reason));
        const unwatch = this.channelHost.watchDrop((reason) => guard.failAll(new SftpLost(reason)));
        sftp.on('close', () => {
          this.sftpSession = undefined;
          unwatch();
          // Requests still waiting will get no answer: the host is lost for this run.
          guard.failAll(new SftpLost('SFTP session closed'));
        });
        resolve(guard.sftp);
      });
    });
    return this.sftpSession;
  }

  /** Runs an SFTP operation; a connection that dropped meanwhile becomes a ConnectionError. */
  private async withSftp<T>(what: string, op: (sftp: SFTPWrapper) => Promise<T>): Promise<T> {
    const sftp = await this.sftp();
    try {
      return await op(sftp);
    } catch (e) {
      if (this.dropped !== undefined) throw new ConnectionError(this.hostName, `${this.dropped} during ${what}`);
      if (e instanceof SftpLost) {
        this.lose(e.message);
        throw new ConnectionError(this.hostName, `${this.dropped ?? e.message} during ${what}`);
      }
      throw e;
    }
  }

  readFile(path: string): Promise<Buffer | null> {
    return this.withSftp(`read of ${path}`, (s) => sftpOps.readFile(s, path, MAX_FILE_READ_BYTES, (size) => new FileTooLargeError(path, size)));
  }

  stat(path: string): Promise<FileInfo | null> {
    return this.withSftp(`stat of ${path}`, (s) => sftpOps.lstat(s, path));
  }

  async writeFile(path: string, data: string | Buffer, opts: WriteOptions = {}): Promise<void> {
    const mode = opts.mode ?? 0o644;
    const owner =
      opts.owner !== undefined || opts.group !== undefined ? await resolveOwner(this, opts.owner, opts.group) : undefined;
    const tmp = tempPathFor(path);
    await this.withSftp(`write of ${path}`, async (s) => {
      await sftpOps.writeNewFile(s, tmp, toBuffer(data), mode, owner);
      try {
        const renamed = await sftpOps.atomicRename(s, tmp, path);
        if (!renamed) await run(this, ['mv', '-f', '--', tmp, path]);
      } catch (e) {
        await sftpOps.unlinkQuietly(s, tmp);
        throw e;
      }
    });
  }

  /** Over SFTP, as the writes go: a run that only writes files sends its hosts no command. */
  removeStaleTempFiles(path: string): Promise<void> {
    return this.withSftp(`sweep of temp files beside ${path}`, (s) => sftpOps.removeStaleSiblings(s, path, tempNamePrefix(path), STALE_AFTER_MINUTES * 60));
  }

  async mkdir(path: string, opts: { mode?: number } = {}): Promise<void> {
    const done = await this.withSftp(`mkdir of ${path}`, (s) => sftpOps.mkdirs(s, path, opts.mode));
    if (!done) await mkdirByExec(this, path, opts);
  }

  remove(path: string, opts: { recursive?: boolean } = {}): Promise<void> {
    return removeByExec(this, path, opts);
  }

  /** On a channel of its own, outside the shells and the channel limit: it runs for the whole run. */
  async hold(argv: readonly string[], readyLine: string, start?: HoldStart): Promise<HoldOutcome> {
    const line = commandLine(argv, {});
    this.checkAlive();
    if (this.commandsProven !== undefined || !start) {
      const holding = holdOverChannel(this.channelHost, line, argv[0]!, readyLine, start);
      holding.catch(() => {});
      await this.provenToRunCommands();
      return holding;
    }
    // Its channel has no deadline either: the host must show that it runs commands. A command
    // that printed its start line (or its ready line, or ended) within the start timeout has, with
    // no other login for it (a --check or warm run may need none). One that has not is abandoned
    // and sent once more: a login shell that a busy host runs late is not a host that runs none.
    // A host that does neither in time is dropped, which ends the hold too.
    for (let attempt = 1; ; attempt++) {
      const abandon = new AbortController();
      let onStarted: () => void = () => {};
      const startSeen = new Promise<boolean>((r) => (onStarted = () => r(true)));
      const holding = holdOverChannel(this.channelHost, line, argv[0]!, readyLine, {
        line: start.line,
        onStarted: () => {
          onStarted();
          start.onStarted?.();
        },
      }, abandon.signal);
      holding.catch(() => {});
      if (await within(startSeen, this.startTimeoutMs)) {
        this.commandsProven ??= Promise.resolve();
        return holding;
      }
      abandon.abort();
      if (attempt === START_ATTEMPTS) {
        this.lose(`logged in, but ${argv[0]} sent to the host did not start within ${this.startTimeoutMs / 1000} s, ${START_ATTEMPTS} times: the host runs no command`);
        throw new ConnectionError(this.hostName, this.dropped!);
      }
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.shells?.close();
    if (this.dropped !== undefined) return;
    await new Promise<void>((resolve) => {
      this.client.once('close', () => resolve());
      this.client.end();
    });
  }

}
