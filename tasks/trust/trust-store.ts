import { posix } from 'node:path';
import type { Connection } from '../../engine/connection.ts';
import { CommandError, TaskError } from '../../engine/errors.ts';
import { readText } from '../../engine/exec-helpers.ts';
import { missingProgramMessage, programNotFound } from '../../engine/exec-helpers.ts';

export type TrustFamily = 'rhel' | 'debian';

const RHEL_IDS = ['rhel', 'centos', 'fedora', 'rocky', 'almalinux'];
const DEBIAN_IDS = ['debian', 'ubuntu'];

/** Prefixes an absolute target path with the sysroot ("/" leaves it unchanged). */
export function underRoot(sysroot: string, path: string): string {
  return posix.join(sysroot, path);
}

function osReleaseField(text: string, key: string): string {
  const m = new RegExp(`^${key}=(.*)$`, 'm').exec(text);
  return (m?.[1] ?? '').trim().replace(/^(["'])(.*)\1$/, '$2');
}

/** The trust-store family of the system at sysroot, from its os-release ID and ID_LIKE. */
export async function detectTrustFamily(conn: Connection, sysroot: string): Promise<TrustFamily> {
  const candidates = ['/etc/os-release', '/usr/lib/os-release'].map((p) => underRoot(sysroot, p));
  let text: string | null = null;
  for (const path of candidates) {
    text = await readText(conn, path);
    if (text !== null) break;
  }
  if (text === null) {
    throw new TaskError(`cannot tell the OS trust store: neither ${candidates.join(' nor ')} exists`);
  }
  const id = osReleaseField(text, 'ID');
  const idLike = osReleaseField(text, 'ID_LIKE');
  const ids = [id, ...idLike.split(/\s+/)].filter(Boolean);
  if (ids.some((i) => RHEL_IDS.includes(i))) return 'rhel';
  if (ids.some((i) => DEBIAN_IDS.includes(i))) return 'debian';
  throw new TaskError(
    `unknown OS trust store: os-release has ID="${id}" ID_LIKE="${idLike}"; ` +
      `supported: ${[...RHEL_IDS, ...DEBIAN_IDS].join(', ')} (or set system: false)`,
  );
}

/** Where the family keeps locally added CAs, as a path inside the system (not yet under sysroot). */
export function storeFile(family: TrustFamily, name: string): string {
  return family === 'rhel' ? `/etc/pki/ca-trust/source/anchors/${name}.pem` : `/usr/local/share/ca-certificates/${name}.crt`;
}

/** The bundle the family's update tool produces, for telling whether an update is still due. */
export function bundleFile(family: TrustFamily): string {
  return family === 'rhel' ? '/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem' : '/etc/ssl/certs/ca-certificates.crt';
}

export interface StoreUpdate {
  /** The update that ran, as argv. */
  ran?: string[];
  /** Why it did not run. */
  skipped?: string;
}

/** Rebuilds the system bundle after a store file was added, replaced or removed. */
export async function updateTrustStore(
  conn: Connection,
  family: TrustFamily,
  sysroot: string,
  removed: boolean,
): Promise<StoreUpdate> {
  return family === 'rhel' ? updateRhel(conn, sysroot) : updateDebian(conn, sysroot, removed);
}

async function updateRhel(conn: Connection, sysroot: string): Promise<StoreUpdate> {
  if (sysroot === '/') {
    const argv = ['update-ca-trust', 'extract'];
    const r = await conn.exec(argv);
    if (programNotFound(r)) return { skipped: `store update: ${missingProgramMessage('update-ca-trust', conn.hostName, 'ca-certificates')}` };
    if (r.code !== 0) throw new CommandError(argv, r.code, r.stderr);
    return { ran: argv };
  }
  const help = await conn.exec(['update-ca-trust', '--help']);
  if (programNotFound(help)) return { skipped: `store update: ${missingProgramMessage('update-ca-trust', conn.hostName, 'ca-certificates')}` };
  if (!/--output/.test(help.stdout + help.stderr)) {
    return { skipped: `store update: this update-ca-trust has no --output option, so it cannot extract into ${sysroot}` };
  }
  const argv = ['update-ca-trust', 'extract', '--output', underRoot(sysroot, '/etc/pki/ca-trust/extracted')];
  const r = await conn.exec(argv);
  if (r.code !== 0) throw new CommandError(argv, r.code, r.stderr);
  return { ran: argv };
}

async function updateDebian(conn: Connection, sysroot: string, removed: boolean): Promise<StoreUpdate> {
  // --fresh after a removal, so the dangling /etc/ssl/certs symlink goes too.
  const argv = ['update-ca-certificates', ...(removed ? ['--fresh'] : [])];
  if (sysroot !== '/') {
    const at = (p: string) => underRoot(sysroot, p);
    const conf = at('/etc/ca-certificates.conf');
    for (const dir of ['/usr/share/ca-certificates', '/usr/local/share/ca-certificates', '/etc/ssl/certs']) {
      await conn.mkdir(at(dir), { mode: 0o755 });
    }
    if (!(await conn.stat(conf))) await conn.writeFile(conf, '', { mode: 0o644 });
    argv.push(
      '--certsconf', conf,
      '--certsdir', at('/usr/share/ca-certificates'),
      '--localcertsdir', at('/usr/local/share/ca-certificates'),
      '--etccertsdir', at('/etc/ssl/certs'),
      '--hooksdir', at('/etc/ca-certificates/update.d'),
    );
  }
  const r = await conn.exec(argv);
  if (programNotFound(r)) return { skipped: `store update: ${missingProgramMessage('update-ca-certificates', conn.hostName, 'ca-certificates')}` };
  if (r.code !== 0) throw new CommandError(argv, r.code, r.stderr);
  return { ran: argv };
}
