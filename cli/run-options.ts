import { TackleError } from '../engine/errors.ts';

export class UsageError extends TackleError {
  override name = 'UsageError';
}

export interface ConnectionOptions {
  user?: string;
  'private-key'?: string;
  connection?: string;
  timeout?: string;
  become: boolean;
  'become-user'?: string;
}

/** Ansible's connection plugins that are SSH under another name in tackle. */
const SSH_NAMES = ['ssh', 'smart', 'paramiko'];

/**
 * -u, --private-key, -c, -T, -b, --become-user (and the -K password) as connection variables,
 * which every play keyword and inventory or -e variable overrides, as in Ansible.
 */
export function connectionOptionVars(o: ConnectionOptions, becomePassword?: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (o.user !== undefined) out['ansible_user'] = o.user;
  if (o['private-key'] !== undefined) out['ansible_ssh_private_key_file'] = o['private-key'];
  if (o.connection !== undefined) {
    if (o.connection !== 'local' && !SSH_NAMES.includes(o.connection)) {
      throw new UsageError(`-c ${o.connection}: tackle connects with 'ssh' or 'local' only`);
    }
    out['ansible_connection'] = o.connection === 'local' ? 'local' : 'ssh';
  }
  if (o.timeout !== undefined) {
    const seconds = Number(o.timeout);
    if (!Number.isInteger(seconds) || seconds < 1) throw new UsageError(`-T (--timeout) takes whole seconds >= 1, got '${o.timeout}'`);
    out['ansible_timeout'] = seconds;
  }
  if (o.become) out['ansible_become'] = true;
  if (o['become-user'] !== undefined) out['ansible_become_user'] = o['become-user'];
  if (becomePassword !== undefined) out['ansible_become_password'] = becomePassword;
  return out;
}
