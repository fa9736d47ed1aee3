import { randomBytes } from 'node:crypto';
import type { BecomeSpec, Connection, ExecOptions, ExecResult, FileInfo, HoldOutcome, HoldStart, WriteOptions } from '../connection.ts';
import { ConnectionError } from '../errors.ts';
import { assertValidArgv, envPrefix } from './shell-quote.ts';
import { mkdirByExec, readFileByExec, removeByExec, statByExec, writeFileByExec } from './exec-file-ops.ts';

/** sudo could not switch user (missing, needs a password, wrong password, not allowed): the host is unusable as configured. */
export class BecomeError extends ConnectionError {
  override name = 'BecomeError';
}

/**
 * Runs as $1 under sudo: first reads stdin up to the sentinel line (which also swallows the
 * password line when sudo did not ask for it), then announces success on stderr, then runs the
 * command in the asked directory. Values arrive as positional parameters only.
 */
const WRAPPER = [
  'sentinel=$1 marker=$2 dir=$3',
  'shift 3',
  'while IFS= read -r line; do [ "$line" = "$sentinel" ] && break; done',
  `printf '%s\\n' "$marker" >&2`,
  'if [ -n "$dir" ]; then cd -- "$dir" || exit 1; fi',
  'exec "$@"',
].join('\n');

/**
 * Wraps a connection so every command runs as another user through sudo, and file operations
 * run as that user too (with commands, since SFTP would act as the login user).
 * The password travels on stdin only: never on a command line, never in a log.
 */
export class BecomeConnection implements Connection {
  readonly hostName: string;
  private readonly sentinel = `tackle-stdin-${randomBytes(12).toString('hex')}`;
  private readonly marker = `tackle-become-ok-${randomBytes(12).toString('hex')}`;

  constructor(
    private readonly inner: Connection,
    private readonly become: BecomeSpec,
  ) {
    this.hostName = inner.hostName;
  }

  async exec(argv: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
    assertValidArgv(argv);
    const { user, password } = this.become;
    const sudoArgv = [
      'sudo', '-H', '-S', '-p', '',
      ...(password === undefined ? ['-n'] : []),
      '-u', user, '--',
      'sh', '-c', WRAPPER, 'tackle-become', this.sentinel, this.marker, opts.cwd ?? '',
      ...envPrefix(opts.env),
      ...argv,
    ];
    const userInput = opts.input === undefined ? Buffer.alloc(0) : Buffer.isBuffer(opts.input) ? opts.input : Buffer.from(opts.input, 'utf8');
    const head = `${password === undefined ? '' : `${password}\n`}${this.sentinel}\n`;
    const r = await this.inner.exec(sudoArgv, { input: Buffer.concat([Buffer.from(head, 'utf8'), userInput]), timeoutMs: opts.timeoutMs, probe: opts.probe });
    const at = r.stderr.indexOf(`${this.marker}\n`);
    if (at < 0) throw this.failure(r);
    return { code: r.code, stdout: r.stdout, stderr: r.stderr.slice(at + this.marker.length + 1) };
  }

  private failure(r: ExecResult): BecomeError {
    const user = this.become.user;
    const said = r.stderr.trim().split('\n').slice(-2).join(' | ');
    if (r.code === 127 && /sudo/.test(r.stderr) && /not found|ENOENT|No such file/i.test(r.stderr)) {
      return new BecomeError(this.hostName, 'sudo is not installed (Debian package sudo): cannot become another user');
    }
    if (/password is required/i.test(r.stderr)) {
      return new BecomeError(this.hostName, `sudo needs a password to become ${user}: set the become password`);
    }
    if (/incorrect password|try again|no password was provided/i.test(r.stderr)) {
      return new BecomeError(this.hostName, `sudo rejected the become password for ${user}`);
    }
    return new BecomeError(this.hostName, `sudo could not become ${user} (exit ${r.code}): ${said}`);
  }

  readFile(path: string): Promise<Buffer | null> {
    return readFileByExec(this, path);
  }

  writeFile(path: string, data: string | Buffer, opts?: WriteOptions): Promise<void> {
    return writeFileByExec(this, path, data, opts);
  }

  stat(path: string): Promise<FileInfo | null> {
    return statByExec(this, path);
  }

  mkdir(path: string, opts?: { mode?: number }): Promise<void> {
    return mkdirByExec(this, path, opts);
  }

  remove(path: string, opts?: { recursive?: boolean }): Promise<void> {
    return removeByExec(this, path, opts);
  }

  /** As the login user: what is held (a lock) belongs to the connection, not to the become user. */
  hold(argv: readonly string[], readyLine: string, start?: HoldStart): Promise<HoldOutcome> {
    return this.inner.hold(argv, readyLine, start);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
