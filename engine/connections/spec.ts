import type { ConnectionSpec } from '../connection.ts';
import { asBool } from '../values.ts';
import { TaskError } from '../errors.ts';

/** Every variable connectionSpecFor reads: only these are templated to connect, so an unused variable never fails a host. */
export const CONNECTION_VARS = [
  'ansible_connection', 'ansible_host', 'ansible_port', 'ansible_user', 'ansible_ssh_host', 'ansible_ssh_port', 'ansible_ssh_user',
  'ansible_ssh_private_key_file', 'ansible_private_key_file', 'ansible_password', 'ansible_ssh_pass', 'ansible_become',
  'ansible_become_user', 'ansible_become_password', 'ansible_become_pass', 'ansible_timeout', 'ansible_host_key_checking',
  'tackle_known_hosts_file', 'tackle_host_key_checking', 'tackle_trust_on_first_use', 'tackle_command_timeout',
  'tackle_file_timeout', 'tackle_probe_timeout', 'tackle_start_timeout', 'tackle_keepalive_interval', 'tackle_keepalive_count',
] as const;

/** Ansible's older names, used when the current one is not set. */
const ALIASES: Record<string, string> = { ansible_host: 'ansible_ssh_host', ansible_port: 'ansible_ssh_port', ansible_user: 'ansible_ssh_user' };

/** Builds a host's ConnectionSpec from its (templated) variables, with Ansible's names. */
export function connectionSpecFor(hostName: string, given: Readonly<Record<string, unknown>>): ConnectionSpec {
  const vars: Record<string, unknown> = { ...given };
  for (const [name, alias] of Object.entries(ALIASES)) if (vars[name] === undefined && vars[alias] !== undefined) vars[name] = vars[alias];
  const str = (k: string): string | undefined => (vars[k] === undefined || vars[k] === null ? undefined : String(vars[k]));
  const num = (k: string): number | undefined => (vars[k] === undefined ? undefined : Number(vars[k]));
  const bool = (k: string): boolean | undefined => (vars[k] === undefined ? undefined : asBool(vars[k]));

  const implicitLocal = vars['ansible_connection'] === undefined && (hostName === 'localhost' || hostName === '127.0.0.1') && vars['ansible_host'] === undefined;
  const kind = implicitLocal || str('ansible_connection') === 'local' ? 'local' : 'ssh';
  const become = bool('ansible_become')
    ? { user: str('ansible_become_user') ?? 'root', password: str('ansible_become_password') ?? str('ansible_become_pass') }
    : undefined;
  const timeout = num('ansible_timeout');
  const commandTimeout = num('tackle_command_timeout');
  const fileTimeout = num('tackle_file_timeout');
  // Liveness settings fail closed: a value that is no number must not turn the check off.
  const atLeast = (k: string, min: number, integer = false): number | undefined => {
    const n = num(k);
    if (n === undefined || (Number.isFinite(n) && n >= min && (!integer || Number.isInteger(n)))) return n;
    throw new TaskError(`${hostName}: ${k} is ${JSON.stringify(vars[k])}; it takes ${integer ? 'a whole number' : 'a number of seconds'} of at least ${min}`);
  };
  const probeTimeout = atLeast('tackle_probe_timeout', 0);
  const startTimeout = atLeast('tackle_start_timeout', 1);
  const keepaliveInterval = atLeast('tackle_keepalive_interval', 0.1);
  const keepaliveCount = atLeast('tackle_keepalive_count', 1, true);
  return {
    hostName,
    kind,
    address: str('ansible_host') ?? hostName,
    port: num('ansible_port') ?? 22,
    user: str('ansible_user'),
    privateKeyFile: str('ansible_ssh_private_key_file') ?? str('ansible_private_key_file'),
    password: str('ansible_password') ?? str('ansible_ssh_pass'),
    knownHostsFile: str('tackle_known_hosts_file'),
    hostKeyChecking: hostKeyChecking(hostName, vars, 'tackle_host_key_checking') ?? hostKeyChecking(hostName, vars, 'ansible_host_key_checking') ?? true,
    trustOnFirstUse: bool('tackle_trust_on_first_use') ?? false,
    connectTimeoutMs: timeout === undefined ? undefined : timeout * 1000,
    commandTimeoutMs: commandTimeout === undefined ? undefined : commandTimeout * 1000,
    fileTimeoutMs: fileTimeout === undefined ? undefined : fileTimeout * 1000,
    probeTimeoutMs: probeTimeout === undefined ? undefined : probeTimeout * 1000,
    startTimeoutMs: startTimeout === undefined ? undefined : startTimeout * 1000,
    keepaliveIntervalMs: keepaliveInterval === undefined ? undefined : keepaliveInterval * 1000,
    keepaliveCountMax: keepaliveCount,
    become,
  };
}

/**
 * Host key checking fails closed: only an explicit false (`false`, "false", "no") turns it off,
 * true/"true"/"yes" keep it, and anything else (null, "", "strict", a typo) is an error, never off.
 */
function hostKeyChecking(hostName: string, vars: Readonly<Record<string, unknown>>, name: string): boolean | undefined {
  if (!(name in vars) || vars[name] === undefined) return undefined;
  const value = vars[name];
  if (typeof value === 'boolean') return value;
  const word = typeof value === 'string' ? value.trim().toLowerCase() : undefined;
  if (word === 'false' || word === 'no') return false;
  if (word === 'true' || word === 'yes') return true;
  throw new TaskError(`${hostName}: ${name} is ${JSON.stringify(value)}; it takes true or false (only an explicit false turns host key checking off)`);
}

/** Variables whose values are secret whatever the task. */
export const SECRET_CONNECTION_VARS = ['ansible_password', 'ansible_ssh_pass', 'ansible_become_password', 'ansible_become_pass'];
