import { basename, dirname } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Client, ClientChannel, SFTPWrapper } from 'ssh2';
import type { Connection, ConnectionSpec, ExecOptions, ExecResult, FileInfo, WriteOptions } from '../connection.ts';
import { ConnectionError, TimeoutError } from '../errors.ts';
import { run } from '../exec-helpers.ts';
import { mkdirByExec, removeByExec } from './exec-file-ops.ts';
import { commandLine } from '../shell-quote.ts';
import { connectClient } from './ssh-connect.ts';
import { resolveOwner } from './owner.ts';
import { Semaphore } from './semaphore.ts';
import * as sftpOps from './ssh-sftp.ts';

/** OpenSSH allows 10 sessions per connection by default; one is kept for SFTP. */
const MAX_EXEC_CHANNELS = 8;

/** Exit code for a command killed by a signal, as a shell reports it. */
const SIGNAL_NUMBERS: Record<string, number> = { HUP: 1, INT: 2, QUIT: 3, ABRT: 6, KILL: 9, SEGV: 11, PIPE: 13, ALRM: 14, TERM: 15 };

type ChannelInternals = {
  outgoing?: { id?: number; state?: string };
  _client?: { _protocol?: { signal(id: number, name: string): void } };
};

/**
 * Sends an SSH "signal" request (OpenSSH kills the command's process group). ssh2's own
 * channel.signal() refuses once stdin was ended, which every exec does, so this goes one level down.
 */
function signalChannel(channel: ClientChannel, name: string): void {
  const ch = channel as unknown as ChannelInternals;
  const id = ch.outgoing?.id;
  const protocol = ch._client?._protocol;
  const state = ch.outgoing?.state;
  if (id === undefined || !protocol || (state !== 'open' && state !== 'eof')) return;
  try {
    protocol.signal(id, name);
  } catch {
    // Closing the channel below still ends the call.
  }
}

const PID_PREFIX = 'tackle-pid:';
const ANNOUNCE_PID = `printf '${PID_PREFIX}%s\\n' "$$" >&2;`;

function announcedPid(stderr: string): number | undefined {
  const m = new RegExp(`^${PID_PREFIX}(\\d+)\\n`).exec(stderr);
  return m ? Number(m[1]) : undefined;
}

function stripPidLine(stderr: string): string {
  return stderr.startsWith(PID_PREFIX) ? stderr.slice(stderr.indexOf('\n') + 1) : stderr;
}

/** One ssh2 connection per host, kept open for the run: commands over exec channels, files over one SFTP session. */
export class SshConnection implements Connection {
  readonly kind = 'ssh' as const;
  readonly hostName: string;
  private closed = false;
  private dropped: string | undefined;
  private sftpSession: Promise<SFTPWrapper> | undefined;
  private readonly channels = new Semaphore(MAX_EXEC_CHANNELS);
  private readonly onDrop = new Set<(reason: string) => void>();

  private constructor(
    private readonly spec: ConnectionSpec,
    private readonly client: Client,
  ) {
    this.hostName = spec.hostName;
    const drop = (reason: string) => {
      if (this.dropped !== undefined) return;
      this.dropped = this.closed ? 'connection closed' : reason;
      for (const fn of this.onDrop) fn(this.dropped);
    };
    client.on('error', (err) => drop(`connection lost: ${err.message}`));
    client.on('close', () => drop('connection lost'));
  }

  static async open(spec: ConnectionSpec): Promise<SshConnection> {
    return new SshConnection(spec, await connectClient(spec));
  }

  private checkAlive(): void {
    if (this.dropped !== undefined) throw new ConnectionError(this.hostName, this.dropped);
  }

  async exec(argv: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
    const timeoutMs = opts.timeoutMs ?? this.spec.commandTimeoutMs;
    // With a timeout the shell first reports its pid (= process group, sshd runs each command in
    // its own session), so the whole group can be killed: OpenSSH ignores signal requests on root logins.
    const line = timeoutMs ? `${ANNOUNCE_PID} ${commandLine(argv, opts)}` : commandLine(argv, opts);
    this.checkAlive();
    const release = await this.channels.acquire();
    try {
      return await this.runLine(line, argv[0]!, opts.input, timeoutMs);
    } finally {
      release();
    }
  }

  private runLine(line: string, program: string, input: string | Buffer | undefined, timeoutMs: number | undefined): Promise<ExecResult> {
    return new Promise((resolve, reject) => {
      let settled = false;
      let timedOut = false;
      let channel: ClientChannel | undefined;
      let timer: NodeJS.Timeout | undefined;
      const errOut: Buffer[] = [];
      const finish = (fn: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.onDrop.delete(onDrop);
        fn();
      };
      const onDrop = (reason: string) => finish(() => reject(new ConnectionError(this.hostName, `${reason} while running ${program}`)));
      this.onDrop.add(onDrop);
      if (timeoutMs) {
        timer = setTimeout(() => {
          timedOut = true;
          const pid = announcedPid(Buffer.concat(errOut).toString('utf8'));
          const ch = channel;
          const error = new TimeoutError(`${this.hostName}: ${program} timed out after ${timeoutMs} ms`);
          if (ch) signalChannel(ch, 'KILL');
          void this.killGroup(pid).finally(() => {
            ch?.close();
            finish(() => reject(error));
          });
        }, timeoutMs);
      }
      this.client.exec(line, (err, ch) => {
        if (err) {
          finish(() => reject(new ConnectionError(this.hostName, `cannot start ${program}: ${err.message}`)));
          return;
        }
        if (settled) {
          ch.close();
          return;
        }
        channel = ch;
        const out: Buffer[] = [];
        let code: number | undefined;
        ch.on('data', (d: Buffer) => out.push(d));
        ch.stderr.on('data', (d: Buffer) => errOut.push(d));
        ch.on('exit', (exitCode: number | null, signal?: string) => {
          code = exitCode ?? 128 + (SIGNAL_NUMBERS[signal ?? ''] ?? 0);
        });
        ch.on('close', () => {
          if (timedOut) return; // the timeout path rejects once the group is killed
          const exit = code;
          if (exit === undefined) {
            finish(() => reject(new ConnectionError(this.hostName, `${program} ended without an exit status (connection lost?)`)));
            return;
          }
          let stderr = Buffer.concat(errOut).toString('utf8');
          if (timeoutMs) stderr = stripPidLine(stderr);
          finish(() => resolve({ code: exit, stdout: Buffer.concat(out).toString('utf8'), stderr }));
        });
        ch.on('error', () => {}); // 'close' follows and decides
        ch.end(input ?? '');
      });
    });
  }

  /** TERM first (sudo passes it on to a command it runs as another user), then KILL. */
  private async killGroup(pid: number | undefined): Promise<void> {
    if (pid === undefined || this.dropped !== undefined) return;
    const script = [
      'kill -TERM "-$1" 2>/dev/null || exit 0',
      'for _ in 1 2 3 4; do sleep 0.05; kill -0 "-$1" 2>/dev/null || exit 0; done',
      'kill -KILL "-$1" 2>/dev/null; exit 0',
    ].join('\n');
    await this.runLine(commandLine(['sh', '-c', script, 'tackle-kill', String(pid)]), 'kill', undefined, 5000).catch(() => {});
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
        sftp.on('close', () => {
          this.sftpSession = undefined;
        });
        resolve(sftp);
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
      throw e;
    }
  }

  readFile(path: string): Promise<Buffer | null> {
    return this.withSftp(`read of ${path}`, (s) => sftpOps.readFile(s, path));
  }

  stat(path: string): Promise<FileInfo | null> {
    return this.withSftp(`stat of ${path}`, (s) => sftpOps.lstat(s, path));
  }

  async writeFile(path: string, data: string | Buffer, opts: WriteOptions = {}): Promise<void> {
    const mode = opts.mode ?? 0o644;
    const owner =
      opts.owner !== undefined || opts.group !== undefined ? await resolveOwner(this, opts.owner, opts.group) : undefined;
    const tmp = `${dirname(path)}/.${basename(path)}.tackle-${randomBytes(6).toString('hex')}`;
    await this.withSftp(`write of ${path}`, async (s) => {
      await sftpOps.writeNewFile(s, tmp, Buffer.isBuffer(data) ? data : Buffer.from(data, 'utf8'), mode, owner);
      try {
        const renamed = await sftpOps.atomicRename(s, tmp, path);
        if (!renamed) await run(this, ['mv', '-f', '--', tmp, path]);
      } catch (e) {
        await sftpOps.unlinkQuietly(s, tmp);
        throw e;
      }
    });
  }

  mkdir(path: string, opts: { mode?: number } = {}): Promise<void> {
    return mkdirByExec(this, path, opts);
  }

  remove(path: string, opts: { recursive?: boolean } = {}): Promise<void> {
    return removeByExec(this, path, opts);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.dropped !== undefined) return;
    await new Promise<void>((resolve) => {
      this.client.once('close', () => resolve());
      this.client.end();
    });
  }

}
