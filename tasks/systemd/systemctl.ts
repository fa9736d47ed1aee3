import { posix } from 'node:path';
import type { Connection } from '../../engine/connection.ts';
import { CommandError } from '../../engine/errors.ts';

/**
 * systemctl against a running manager, or offline (`--root`) where none runs: a sysroot,
 * or a host whose PID 1 is not systemd (containers, build roots).
 */
export interface Systemd {
  /** Null when systemctl talks to a running manager. */
  readonly offlineReason: string | null;
  readonly root: string;
  systemctl(...args: string[]): Promise<void>;
  isActive(unit: string): Promise<boolean>;
}

export async function openSystemd(conn: Connection, sysroot: string): Promise<Systemd> {
  let offlineReason: string | null = null;
  if (sysroot !== '/') offlineReason = `sysroot ${sysroot}`;
  else if ((await conn.stat('/run/systemd/system'))?.type !== 'dir') {
    offlineReason = `no systemd running on ${conn.hostName} (no /run/systemd/system)`;
  }
  const rootArgs = offlineReason ? [`--root=${sysroot}`] : [];
  return {
    offlineReason,
    root: sysroot,
    async systemctl(...args: string[]) {
      const argv = ['systemctl', ...rootArgs, ...args];
      const r = await conn.exec(argv);
      if (r.code !== 0) throw new CommandError(argv, r.code, r.stderr);
    },
    async isActive(unit: string) {
      if (offlineReason) return false;
      return (await conn.exec(['systemctl', 'is-active', '--quiet', unit])).code === 0;
    },
  };
}

/** The symlinks `systemctl enable` makes for WantedBy= targets: present on disk, whether or not systemd runs. */
export function wantsLinks(sysroot: string, unit: string, wantedBy: readonly string[]): string[] {
  return wantedBy.map((target) => posix.join(sysroot, '/etc/systemd/system', `${target}.wants`, unit));
}
