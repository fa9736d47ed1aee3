import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { dirname } from 'node:path';
import type { Connection, ExecOptions, ExecResult, FileInfo, HoldOutcome, HoldStart, WriteOptions } from '../connection.ts';
import { TimeoutError } from '../errors.ts';
import { resolveOwner } from '../owner.ts';
import { assertValidArgv } from './shell-quote.ts';
import { tempPathFor } from './temp-file.ts';
import { BoundedOutput, FileTooLargeError, MAX_FILE_READ_BYTES, OutputTooLargeError } from './output-limit.ts';
import { ReadyLineWatch, RELEASE_WAIT_MS, within } from './held-command.ts';

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** Child processes and the local file system. argv goes to spawn() as is: no shell. */
export class LocalConnection implements Connection {
  constructor(readonly hostName: string) {}

  exec(argv: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
    return new Promise((resolve, reject) => {
      assertValidArgv(argv); // a NUL byte would otherwise surface as spawn's untyped TypeError
      const child = spawn(argv[0]!, argv.slice(1), {
        cwd: opts.cwd,
        env: opts.env ? { ...process.env, ...opts.env } : process.env,
        stdio: ['pipe', 'pipe', 'pipe'],
        // Its own process group, so a timeout kills what it started too (and sudo's command, which sudo cannot pass SIGKILL on to).
        detached: true,
      });
      const out = new BoundedOutput();
      const err = new BoundedOutput();
      let timer: NodeJS.Timeout | undefined;
      const tooLarge = (stream: string): void => {
        clearTimeout(timer);
        killGroup(child.pid);
        reject(new OutputTooLargeError(`the ${stream} of ${argv[0]}`));
      };
      if (opts.timeoutMs) {
        timer = setTimeout(() => {
          killGroup(child.pid);
          reject(new TimeoutError(`${argv[0]} timed out after ${opts.timeoutMs} ms`));
        }, opts.timeoutMs);
      }
      child.stdout.on('data', (d: Buffer) => out.add(d) || tooLarge('stdout'));
      child.stderr.on('data', (d: Buffer) => err.add(d) || tooLarge('stderr'));
      child.on('error', (e: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        // A missing program is an exit code, as a shell would report it, not a transport failure.
        resolve({ code: e.code === 'ENOENT' ? 127 : 126, stdout: '', stderr: `${argv[0]}: ${e.message}` });
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        resolve({
          code: code ?? (signal ? 128 : 1),
          stdout: out.text(),
          stderr: err.text(),
        });
      });
      child.stdin.on('error', () => {});
      child.stdin.end(opts.input ?? '');
    });
  }

  async readFile(path: string): Promise<Buffer | null> {
    try {
      const handle = await fs.open(path, 'r');
      try {
        const { size } = await handle.stat();
        if (size > MAX_FILE_READ_BYTES) throw new FileTooLargeError(path, size);
        return await handle.readFile();
      } finally {
        await handle.close();
      }
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
  }

  async writeFile(path: string, data: string | Buffer, opts: WriteOptions = {}): Promise<void> {
    const tmp = tempPathFor(path);
    const mode = opts.mode ?? 0o644;
    // 'wx' with the final mode: the secret is never readable by others, not even for a moment.
    const handle = await fs.open(tmp, 'wx', mode);
    try {
      await handle.writeFile(data);
      await handle.chmod(mode); // umask may have narrowed the create mode
      if (opts.owner !== undefined || opts.group !== undefined) {
        const { uid, gid } = await resolveOwner(this, opts.owner, opts.group);
        await handle.chown(uid, gid);
      }
      await handle.sync();
    } catch (e) {
      await handle.close();
      await fs.rm(tmp, { force: true });
      throw e;
    }
    await handle.close();
    await fs.rename(tmp, path);
  }

  async stat(path: string): Promise<FileInfo | null> {
    try {
      const s = await fs.lstat(path);
      return {
        type: s.isFile() ? 'file' : s.isDirectory() ? 'dir' : s.isSymbolicLink() ? 'link' : 'other',
        mode: s.mode & 0o7777,
        uid: s.uid,
        gid: s.gid,
        size: s.size,
        mtimeMs: s.mtimeMs,
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
  }

  async mkdir(path: string, opts: { mode?: number } = {}): Promise<void> {
    // Created owner-only, then given their modes: the umask decides nothing (0777 under umask 000).
    const first = await fs.mkdir(path, { recursive: true, mode: 0o700 });
    if (first === undefined) return;
    for (let dir = path; ; dir = dirname(dir)) {
      await fs.chmod(dir, dir === path ? (opts.mode ?? 0o755) : 0o755);
      if (dir === first || dirname(dir) === dir) break;
    }
  }

  async remove(path: string, opts: { recursive?: boolean } = {}): Promise<void> {
    await fs.rm(path, { force: true, recursive: opts.recursive ?? false });
  }

  hold(argv: readonly string[], readyLine: string, start?: HoldStart): Promise<HoldOutcome> {
    assertValidArgv(argv);
    return new Promise((resolve) => {
      const child = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
      const ended = new Promise<void>((r) => child.on('close', () => r()));
      const watch = new ReadyLineWatch(readyLine, resolve, async () => {
        child.stdin.end();
        await within(ended, RELEASE_WAIT_MS);
        killGroup(child.pid);
      }, start);
      child.stdout.on('data', (d: Buffer) => watch.onStdout(d));
      child.stderr.on('data', (d: Buffer) => watch.onStderr(d));
      child.on('error', (e: NodeJS.ErrnoException) => watch.onEnd(e.code === 'ENOENT' ? 127 : 126));
      child.on('close', (code, signal) => watch.onEnd(code ?? (signal ? 128 : 1)));
      child.stdin.on('error', () => {});
    });
  }

  async close(): Promise<void> {}
}
