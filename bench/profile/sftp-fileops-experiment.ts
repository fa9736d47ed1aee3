/**
 * EXPERIMENT, not a fix: a preload that answers, "how fast would the cold run be if tackle
 * did its mkdir, chmod and offline `systemctl --root enable` over the already-open SFTP
 * session instead of one exec channel (one sshd session + shell) each?" The engine and
 * tasks are not edited; this patches SshConnection in the profiled process only.
 *   node --import tsx --import ./bench/profile/sftp-fileops-experiment.ts bin/tackle.js run ...
 */
import { posix } from 'node:path';
import type { SFTPWrapper, Stats } from 'ssh2';
import type { ExecOptions, ExecResult } from '../../engine/connection.ts';
import { SshConnection } from '../../engine/connections/ssh.ts';

type SftpError = Error & { code?: number };
const NO_SUCH_FILE = 2;

function call<T>(fn: (cb: (err: SftpError | null | undefined, value: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => fn((err, value) => (err ? reject(err) : resolve(value))));
}

async function lstat(sftp: SFTPWrapper, path: string): Promise<Stats | null> {
  try {
    return await call<Stats>((cb) => sftp.lstat(path, cb));
  } catch (e) {
    if ((e as SftpError).code === NO_SUCH_FILE) return null;
    throw e;
  }
}

/** mkdir -p over SFTP: stat first, create only the missing components. */
async function mkdirs(sftp: SFTPWrapper, path: string, mode?: number): Promise<void> {
  const missing: string[] = [];
  let at = path;
  while (at !== '/' && !(await lstat(sftp, at))) {
    missing.unshift(at);
    at = posix.dirname(at);
  }
  for (const dir of missing) await call<void>((cb) => sftp.mkdir(dir, (err) => cb(err, undefined)));
  if (mode !== undefined) await call<void>((cb) => sftp.chmod(path, mode, (err) => cb(err, undefined)));
}

/** What `systemctl --root=R enable UNIT` does for a unit whose [Install] has only WantedBy=. */
async function enableOffline(sftp: SFTPWrapper, root: string, unit: string): Promise<boolean> {
  const unitPath = posix.join(root, '/etc/systemd/system', unit);
  const text = (await call<Buffer>((cb) => sftp.readFile(unitPath, cb))).toString('utf8');
  const install = text.slice(text.indexOf('[Install]'));
  if (/^(Alias|Also|RequiredBy|UpheldBy)=/m.test(install)) return false;
  const targets = install.match(/^WantedBy=(.*)$/m)?.[1]?.trim().split(/\s+/) ?? [];
  for (const target of targets) {
    const dir = posix.join(root, '/etc/systemd/system', `${target}.wants`);
    await mkdirs(sftp, dir);
    const link = posix.join(dir, unit);
    if (!(await lstat(sftp, link))) {
      await call<void>((cb) => sftp.symlink(posix.join('/etc/systemd/system', unit), link, (err) => cb(err, undefined)));
    }
  }
  return true;
}

/** SshConnection keeps its SFTP session private; the experiment borrows it. */
const sftpOf = (conn: SshConnection): Promise<SFTPWrapper> => (conn as unknown as { sftp(): Promise<SFTPWrapper> }).sftp();
const proto = SshConnection.prototype;
const originalExec = proto.exec;
const ok: ExecResult = { code: 0, stdout: '', stderr: '' };

proto.mkdir = async function (this: SshConnection, path: string, opts: { mode?: number } = {}) {
  await mkdirs(await sftpOf(this), path, opts.mode);
};
proto.exec = async function (this: SshConnection, argv: readonly string[], opts?: ExecOptions) {
  const [program, ...args] = argv;
  if (program === 'chmod' && args.length === 3 && args[1] === '--' && /^[0-7]{3,4}$/.test(args[0]!)) {
    const sftp = await sftpOf(this);
    await call<void>((cb) => sftp.chmod(args[2]!, parseInt(args[0]!, 8), (err) => cb(err, undefined)));
    return ok;
  }
  const root = /^--root=(\/.*)$/.exec(args[0] ?? '')?.[1];
  if (program === 'systemctl' && root && args[1] === 'enable' && args.length === 3) {
    if (await enableOffline(await sftpOf(this), root, args[2]!)) return ok;
  }
  return originalExec.call(this, argv, opts);
};
