import { createHash } from 'node:crypto';
import type { Connection, ConnectionSpec, HeldCommand } from '../connection.ts';
import { TaskError } from '../errors.ts';

/** What a run that changes hosts holds on each of them (none in --check). */
export interface RunLockOptions {
  /** One line naming this run for whoever finds the lock held: pid, user, start time, playbook. */
  holder: string;
  /** How long to wait for another run's lock; 0: fail at once. */
  waitSeconds: number;
}

/** Another tackle run holds the host's lock: the host fails, naming that run. */
export class RunLockHeld extends TaskError {
  override name = 'RunLockHeld';
}

const TAKEN = 'tackle-lock-taken';
const STARTED = 'tackle-lock-started';

/**
 * The lock file's name for one inventory host as this run reaches it (name, address, port): runs
 * of one inventory exclude each other, while hosts that share a machine (containers, test sshds)
 * do not lock each other out. Hashed, so any host name makes a plain file name.
 */
export function runLockName(spec: ConnectionSpec): string {
  const id = [spec.hostName, spec.address ?? spec.hostName, String(spec.port ?? 22)].join('\0');
  return `tackle-${createHash('sha256').update(id).digest('hex').slice(0, 16)}.lock`;
}

/**
 * On the host: flock on /run/lock/NAME (or /var/lock, /tmp), held by `cat` until its stdin
 * closes (the run releases it, or its connection ends, whatever killed the controller). The
 * holder line is written over the start of the file once the lock is ours, padded to one size so
 * no older, longer line shows through; a run that finds the lock held prints that line.
 */
const LOCK_SCRIPT = [
  `echo ${STARTED}`,
  'holder=$1 wait=$2 name=$3',
  'umask 022',
  'd=/run/lock; [ -d "$d" ] || d=/var/lock; [ -d "$d" ] || d=/tmp',
  'l=$d/$name',
  'command -v flock >/dev/null 2>&1 || { echo "tackle-lock-error flock not found on this host (install util-linux)"; exit 0; }',
  'if [ -L "$l" ]; then echo "tackle-lock-error $l is a symlink"; exit 0; fi',
  'w=1',
  'if (: 9<>"$l") 2>/dev/null; then exec 9<>"$l"; elif (: 9<"$l") 2>/dev/null; then exec 9<"$l"; w=; else echo "tackle-lock-error cannot open $l"; exit 0; fi',
  'if [ "$wait" = 0 ]; then flock -n 9; else flock -w "$wait" 9; fi || { IFS= read -r h <&9; printf "tackle-lock-held %s: %s\\n" "$l" "$h"; exit 0; }',
  '[ -z "$w" ] || printf "%-480.480s\\n" "$holder" >&9',
  `echo ${TAKEN}`,
  'exec cat >/dev/null',
].join('\n');

/** The run lock as asked for: `taken` settles once it is held, or with why it is not. */
export interface RunLockRequest {
  taken: Promise<HeldCommand>;
}

/**
 * Sends the lock command and resolves once it runs on the host (the login is over, whatever it
 * waits for next), so the caller can count the login against its handshake limit alone.
 */
export async function startRunLock(conn: Connection, opts: RunLockOptions, lockName: string): Promise<RunLockRequest> {
  let onStarted: () => void = () => {};
  const started = new Promise<void>((r) => (onStarted = r));
  const taken = takeRunLock(conn, opts, lockName, onStarted);
  taken.catch(() => {});
  await Promise.race([started, taken.then(() => undefined, () => undefined)]);
  return { taken };
}

/** Takes the host's run lock; throws RunLockHeld naming the holder, or a TaskError when it cannot be taken. */
async function takeRunLock(conn: Connection, opts: RunLockOptions, lockName: string, onStarted?: () => void): Promise<HeldCommand> {
  const holder = opts.holder.replace(/[\r\n]+/g, ' ');
  const argv = ['sh', '-c', LOCK_SCRIPT, 'tackle-lock', holder, String(opts.waitSeconds), lockName];
  const outcome = await conn.hold(argv, TAKEN, { line: STARTED, ...(onStarted ? { onStarted } : {}) });
  if ('held' in outcome) return outcome.held;
  const said = outcome.exited.stdout.trim().split('\n').pop() ?? '';
  const held = /^tackle-lock-held (.*?): (.*)$/.exec(said);
  if (held) {
    const who = held[2]!.trim() || 'a run whose holder line could not be read';
    const waited = opts.waitSeconds > 0 ? `still held after ${opts.waitSeconds} s` : 'held';
    throw new RunLockHeld(`${conn.hostName} is locked by another tackle run (${held[1]} ${waited}): ${who}; wait for it to end, or pass --lock-wait SECONDS`);
  }
  const error = /^tackle-lock-error (.*)$/.exec(said);
  const why = error ? error[1]! : `exit ${outcome.exited.code}: ${outcome.exited.stderr.trim().split('\n').slice(-2).join(' | ')}`;
  throw new TaskError(`cannot take the run lock on ${conn.hostName}: ${why}`);
}
