import { randomBytes } from 'node:crypto';
import type { Client, ClientChannel } from 'ssh2';
import { ConnectionError, TaskError } from '../../errors.ts';
import { OutputTooLargeError } from '../output-limit.ts';
import { initScript, jobScript } from './remote-shell-script.ts';

/**
 * One long-lived POSIX sh on the host, fed one command at a time over a single SSH exec channel,
 * so the login shell (and whatever ~/.bashrc does) is paid once, not per command.
 *
 * Protocol: the controller writes shell text to the shell's stdin; the shell answers with lines
 * `<marker> <word> ...` on its stdout. The marker is random per shell and is printed by the shell
 * itself: a command's own stdout and stderr go to 0600 files in a private 0700 temp dir (read
 * back over SFTP and removed at once), its stdin comes through a pipe from the job's own shell
 * text or from /dev/null, so command output never reaches the protocol stream. Anything before the ready line (a noisy .bashrc) is skipped.
 *
 * Each command runs as a background job started through setsid, so it gets its own process
 * group (as with one channel per command) and a timeout can kill everything it started, while
 * the shell itself stays usable.
 */

/** Files in the shell's temp dir, reached over SFTP as the login user. */
export interface ShellFiles {
  read(path: string): Promise<Buffer | null>;
  unlink(path: string): Promise<void>;
}

export interface RawResult {
  /** The watchdog killed the command when its time was up. */
  timedOut: boolean;
  code: number;
  stdout: Buffer;
  stderr: Buffer;
}

export interface ShellJob {
  /** The command's pid (= its process group); undefined when it never started. */
  pid: Promise<number | undefined>;
  result: Promise<RawResult>;
}

/** The shell could not be started (no /bin/sh or setsid, no temp dir, no ready line): use channels instead. */
export class RemoteShellUnavailable extends ConnectionError {
  override name = 'RemoteShellUnavailable';
  constructor(
    host: string,
    message: string,
    /**
     * `answered`: sh ran and said why it cannot serve (so the host runs commands); `ended`: the
     * channel closed without an answer; `stalled`: logged in, but nothing answered in time.
     */
    readonly kind: 'answered' | 'ended' | 'stalled',
  ) {
    super(host, message);
  }
}

/** The shell ended while it ran a command: its transport is gone, so the command's fate is unknown. */
export class RemoteShellEnded extends ConnectionError {
  override name = 'RemoteShellEnded';
  constructor(
    host: string,
    /** The message without the host prefix. */
    readonly detail: string,
  ) {
    super(host, detail);
  }
}

export const READY_TIMEOUT_MS = 30_000;
const STDERR_TAIL = 2000;
const MAX_PENDING = 64 * 1024;

interface RunningJob {
  seq: number;
  program: string;
  onPid(pid: number | undefined): void;
  resolve(r: RawResult): void;
  reject(e: Error): void;
}

export class RemoteShell {
  /** Shell text that runs the quoted program under setsid: `exec` + this + quoted argv. */
  static readonly LAUNCHER = '"$tackle_setsid" --';

  private readonly marker = `tackle_${randomBytes(16).toString('hex')}`;
  private pending = '';
  private stderrTail = '';
  private seq = 0;
  private job: RunningJob | undefined;
  private ended = false;
  private tempDir = '';
  private readonly closeListeners = new Set<(wasBusy: boolean) => void>();
  private onReady: ((dir: string) => void) | undefined;
  private onUnusable: ((reason: string) => void) | undefined;

  private constructor(
    private readonly hostName: string,
    private readonly channel: ClientChannel,
    private readonly files: ShellFiles,
  ) {
    channel.on('data', (d: Buffer) => this.onStdout(d));
    channel.stderr.on('data', (d: Buffer) => {
      this.stderrTail = (this.stderrTail + d.toString('utf8')).slice(-STDERR_TAIL);
    });
    channel.on('error', () => {}); // 'close' follows
    channel.on('close', () => this.onClose());
  }

  /** Opens the channel, starts sh, and waits for its ready line. */
  static start(client: Client, files: ShellFiles, hostName: string, readyTimeoutMs = READY_TIMEOUT_MS): Promise<RemoteShell> {
    return new Promise((resolve, reject) => {
      client.exec('exec /bin/sh', (err, channel) => {
        if (err) return reject(new RemoteShellUnavailable(hostName, `cannot open a remote shell: ${err.message}`, 'ended'));
        const shell = new RemoteShell(hostName, channel, files);
        const timer = setTimeout(() => {
          shell.close();
          reject(new RemoteShellUnavailable(hostName, `logged in, but the remote shell did not answer within ${readyTimeoutMs / 1000} s: the host runs no command`, 'stalled'));
        }, readyTimeoutMs);
        shell.onReady = (dir) => {
          clearTimeout(timer);
          shell.tempDir = dir;
          resolve(shell);
        };
        shell.onUnusable = (reason) => {
          clearTimeout(timer);
          shell.close();
          reject(new RemoteShellUnavailable(hostName, `remote shell unusable: ${reason}${shell.stderrDetail()}`, 'answered'));
        };
        shell.closeListeners.add(() => {
          clearTimeout(timer);
          reject(new RemoteShellUnavailable(hostName, `remote shell ended before it was ready${shell.stderrDetail()}`, 'ended'));
        });
        channel.write(initScript(shell.marker, randomBytes(8).toString('hex')));
      });
    });
  }

  get alive(): boolean {
    return !this.ended;
  }

  get busy(): boolean {
    return this.job !== undefined;
  }

  /** Called once when the channel closes; wasBusy tells whether a command was running. */
  onEnd(fn: (wasBusy: boolean) => void): void {
    this.closeListeners.add(fn);
  }

  /**
   * Runs one command (shell text that ends in the quoted program, see LAUNCHER). With timeoutMs,
   * a watchdog on the host kills the command's process group when the time is up. The shell
   * stays busy until the command has exited.
   */
  run(command: string, input: Buffer | undefined, program: string, timeoutMs?: number): ShellJob {
    if (this.job || this.ended) throw new Error('remote shell is busy or ended');
    const seq = ++this.seq;
    let onPid: (pid: number | undefined) => void = () => {};
    const pid = new Promise<number | undefined>((r) => (onPid = r));
    const result = new Promise<RawResult>((resolve, reject) => {
      this.job = { seq, program, onPid, resolve, reject };
    });
    this.channel.write(jobScript(this.marker, seq, command, input, timeoutMs));
    return { pid, result };
  }

  /** Ends the shell: EOF on its stdin, so it exits and removes its temp dir. */
  close(): void {
    if (this.ended) return;
    try {
      this.channel.end();
    } catch {
      // the connection is already gone: so is the shell
    }
  }

  private path(seq: number, kind: 'out' | 'err'): string {
    return `${this.tempDir}/${seq}.${kind}`;
  }

  private stderrDetail(): string {
    const tail = this.stderrTail.trim().split('\n').slice(-2).join(' | ');
    return tail ? `: ${tail}` : '';
  }

  private finishJob(fn: (job: RunningJob) => void): void {
    const job = this.job;
    if (!job) return;
    this.job = undefined;
    job.onPid(undefined);
    fn(job);
  }

  private onStdout(data: Buffer): void {
    // latin1 keeps every byte as one char: lines split safely whatever the junk's encoding.
    this.pending += data.toString('latin1');
    let nl: number;
    while ((nl = this.pending.indexOf('\n')) >= 0) {
      const line = this.pending.slice(0, nl);
      this.pending = this.pending.slice(nl + 1);
      this.onLine(line);
    }
    if (this.pending.length > MAX_PENDING) this.pending = this.pending.slice(-this.marker.length * 2);
  }

  private onLine(line: string): void {
    const at = line.indexOf(`${this.marker} `);
    if (at < 0) return; // junk from the login shell's startup files
    const rest = line.slice(at + this.marker.length + 1);
    const space = rest.indexOf(' ');
    const word = space < 0 ? rest : rest.slice(0, space);
    const arg = space < 0 ? '' : rest.slice(space + 1);
    if (word === 'ready') return this.onReady?.(Buffer.from(arg, 'latin1').toString('utf8'));
    if (word === 'unusable') return this.onUnusable?.(arg);
    const [seqText, value = ''] = arg.split(' ');
    const job = this.job;
    if (!job || Number(seqText) !== job.seq) return;
    if (word === 'pid') this.onJobPid(job, value);
    else if (word === 'done') void this.onJobDone(job, value);
  }

  private onJobPid(job: RunningJob, value: string): void {
    const pid = /^\d+$/.test(value) ? Number(value) : undefined;
    job.onPid(pid);
    if (pid === undefined) {
      this.finishJob((j) => j.reject(new ConnectionError(this.hostName, `remote shell could not start ${j.program}${this.stderrDetail()}`)));
      this.close();
    }
  }

  private async onJobDone(job: RunningJob, status: string): Promise<void> {
    const outPath = this.path(job.seq, 'out');
    const errPath = this.path(job.seq, 'err');
    let stdout: Buffer | null;
    let stderr: Buffer | null;
    try {
      [stdout, stderr] = await Promise.all([this.files.read(outPath), this.files.read(errPath)]);
    } catch (e) {
      // Too much output fails the command, not the host; its files are still removed.
      if (e instanceof OutputTooLargeError) await Promise.all([this.files.unlink(outPath).catch(() => {}), this.files.unlink(errPath).catch(() => {})]);
      this.finishJob((j) => j.reject(e instanceof OutputTooLargeError ? new OutputTooLargeError(`the output of ${j.program}`) : new ConnectionError(this.hostName, `cannot read the output of ${j.program}: ${(e as Error).message}`)));
      return;
    }
    // Awaited (one pipelined SFTP round trip), so no output file outlives the call that made it.
    await Promise.all([this.files.unlink(outPath).catch(() => {}), this.files.unlink(errPath).catch(() => {})]);
    if (stdout === null || stderr === null) {
      this.finishJob((j) => j.reject(new ConnectionError(this.hostName, `the output files of ${j.program} vanished from ${this.tempDir}`)));
      this.close();
      return;
    }
    if (status.startsWith('nospace-')) {
      const ended = status.slice('nospace-'.length);
      const how = ended === 'timeout' ? 'was killed at its timeout' : `exited ${ended}`;
      this.finishJob((j) =>
        j.reject(new TaskError(`the host's temp space is full (${this.tempDir}): ${j.program} ${how}, but what it printed could not be kept there; free space in $TMPDIR on the host`)),
      );
      return;
    }
    // Each file ends in the one-byte mark the shell appended (remote-shell-script.ts).
    const out = stdout.subarray(0, Math.max(0, stdout.length - 1));
    const err = stderr.subarray(0, Math.max(0, stderr.length - 1));
    const timedOut = status === 'timeout';
    const code = timedOut || !/^\d+$/.test(status) ? 1 : Number(status);
    this.finishJob((j) => j.resolve({ timedOut, code, stdout: out, stderr: err }));
  }

  private onClose(): void {
    if (this.ended) return;
    this.ended = true;
    const wasBusy = this.job !== undefined;
    this.finishJob((j) => j.reject(new RemoteShellEnded(this.hostName, `remote shell ended while running ${j.program}${this.stderrDetail()}`)));
    for (const fn of this.closeListeners) fn(wasBusy);
  }
}
