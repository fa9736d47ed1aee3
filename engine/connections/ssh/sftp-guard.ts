import type { SFTPWrapper } from 'ssh2';

/** How long one SFTP request may go unanswered before the host is taken for lost. */
export const DEFAULT_SFTP_REQUEST_TIMEOUT_MS = 60_000;

/**
 * The SFTP session with every request watched: a request unanswered for `timeoutMs` calls
 * onHang (the connection then drops), and when the connection or the session goes away every
 * request still waiting is failed with failAll's error. Without this, ssh2 may never call a
 * request's callback once the connection is gone, and the run waits forever.
 */
export class SftpGuard {
  private readonly pending = new Set<(err: Error) => void>();
  private lost: Error | undefined;
  readonly sftp: SFTPWrapper;

  constructor(raw: SFTPWrapper, timeoutMs: number, onHang: (reason: string) => void) {
    this.sftp = new Proxy(raw, {
      get: (target, prop, receiver) => {
        const value: unknown = Reflect.get(target, prop, receiver);
        if (typeof value !== 'function' || typeof prop !== 'string' || !REQUESTS.has(prop)) return value;
        return (...args: unknown[]) => {
          const callback = args.at(-1);
          if (typeof callback !== 'function') return (value as (...a: unknown[]) => unknown).apply(target, args);
          if (this.lost) {
            const err = this.lost;
            queueMicrotask(() => (callback as (e: Error) => void)(err));
            return undefined;
          }
          let settled = false;
          const settle = (...result: unknown[]): void => {
            if (settled) return;
            settled = true;
            clearTimeout(timer);
            this.pending.delete(fail);
            (callback as (...r: unknown[]) => void)(...result);
          };
          const fail = (err: Error): void => settle(err);
          const timer = setTimeout(() => onHang(`no answer to an SFTP ${prop} in ${Math.round(timeoutMs / 1000)} s`), timeoutMs);
          this.pending.add(fail);
          args[args.length - 1] = settle;
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
  }

  failAll(err: Error): void {
    this.lost ??= err;
    for (const fail of [...this.pending]) fail(err);
  }
}

/** A request that can get no answer any more: the session or the connection is gone. */
export class SftpLost extends Error {
  override name = 'SftpLost';
}

/** The SFTPWrapper methods tackle uses that send a request and answer through a callback. */
const REQUESTS = new Set([
  'open', 'close', 'read', 'write', 'readFile', 'writeFile', 'fstat', 'stat', 'lstat', 'fchmod', 'fchown', 'chmod',
  'chown', 'setstat', 'fsetstat', 'mkdir', 'rmdir', 'unlink', 'rename', 'ext_openssh_rename', 'readdir', 'opendir',
  'realpath', 'readlink', 'symlink', 'utimes', 'futimes', 'ext_openssh_statvfs',
]);
