import type { Connection, ConnectionSpec } from '../connection.ts';
import { BecomeConnection } from './become.ts';
import { LocalConnection } from './local.ts';
import { SshConnection } from './ssh/ssh-connection.ts';

export { BecomeConnection, BecomeError } from './become.ts';
export { LocalConnection } from './local.ts';
export { SshConnection } from './ssh/ssh-connection.ts';

/** The connection the spec asks for, opened (SSH: connected, host key checked, authenticated), with sudo when `become` is set. */
export async function openConnection(spec: ConnectionSpec): Promise<Connection> {
  const base: Connection = spec.kind === 'local' ? new LocalConnection(spec.hostName) : await SshConnection.open(spec);
  return spec.become ? new BecomeConnection(base, spec.become) : base;
}
