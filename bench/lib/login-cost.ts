import { SshConnection } from '../../engine/connections/ssh/ssh-connection.ts';
import type { SshTestHosts } from '../../test/helpers/sshd.ts';

export interface LoginCost {
  /** Median time of `true` on an SSH channel of its own over an open connection: sshd's session and the login shell with its rc files. */
  channelCommandMs: number;
  /** Median time of `true` through tackle's persistent remote shell, once it is started. */
  shellCommandMs: number;
  samples: number;
}

const SAMPLES = 7;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function timed(n: number, fn: () => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn();
    out.push(performance.now() - t);
  }
  return out;
}

/**
 * What a login costs on the bench's hosts, apart from tackle: every command Ansible sends, and
 * tackle's run lock and remote shell, pay it once. The hosts log in as this machine's root, so
 * whatever root's login shell reads (~/.bashrc for a command sent over SSH) is part of it.
 */
export async function measureLoginCost(ssh: SshTestHosts): Promise<LoginCost> {
  const h = ssh.hosts[0]!;
  const spec = { hostName: h.name, kind: 'ssh' as const, address: h.address, port: h.port, user: 'root', privateKeyFile: ssh.clientKeyFile, knownHostsFile: ssh.knownHostsFile };
  const channel = await SshConnection.open(spec, 'channel');
  const shell = await SshConnection.open(spec, 'shell');
  try {
    await channel.exec(['true']);
    await shell.exec(['true']);
    return {
      channelCommandMs: median(await timed(SAMPLES, () => channel.exec(['true']))),
      shellCommandMs: median(await timed(SAMPLES, () => shell.exec(['true']))),
      samples: SAMPLES,
    };
  } finally {
    await channel.close();
    await shell.close();
  }
}

export function formatLoginCost(c: LoginCost): string {
  return `logins: a command on an SSH channel of its own (sshd's session, root's login shell and its rc files) ${c.channelCommandMs.toFixed(1)} ms, through tackle's remote shell once started ${c.shellCommandMs.toFixed(1)} ms (median of ${c.samples})`;
}
