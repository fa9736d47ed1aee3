import type { Connection } from '../../engine/connection.ts';
import { LocalConnection } from '../../engine/connections/local.ts';
import { startSshHosts } from './sshd.ts';

export const CONNECTION_KINDS = ['local', 'ssh'] as const;
export type ConnectionKind = (typeof CONNECTION_KINDS)[number];

/** A connection of that kind for task tests; ssh starts one real sshd, and close() stops it. */
export async function openTestConnection(kind: ConnectionKind): Promise<{ conn: Connection; close(): Promise<void> }> {
  if (kind === 'local') {
    const conn = new LocalConnection('localhost');
    return { conn, close: () => conn.close() };
  }
  const hosts = await startSshHosts(1);
  try {
    const conn = await hosts.connect(0);
    return {
      conn,
      async close() {
        await conn.close();
        await hosts.stop();
      },
    };
  } catch (e) {
    await hosts.stop();
    throw e;
  }
}
