import { posix } from 'node:path';
import { digest, fileFingerprint } from '../shared/fingerprint.ts';
import { readText } from '../../engine/exec-helpers.ts';
import { defineTask, type ChangeResult } from '../../engine/task.ts';
import { pendingContainerKey } from '../shared/pending-keys.ts';
import { imageRefSchema } from '../shared/image-ref.ts';
import { openSystemd, wantsLinks } from './systemctl.ts';
import { ENV_FILE_DIR, envFileName, renderContainerUnit, renderEnvFile, unitName, type ContainerSpec } from './unit-file.ts';

export interface SystemdEnableParams extends ContainerSpec {
  name: string;
  description?: string;
  after?: string[];
  wants?: string[];
  requires?: string[];
  restart: 'no' | 'on-success' | 'on-failure' | 'on-abnormal' | 'on-watchdog' | 'on-abort' | 'always';
  restartSec?: number | string;
  timeoutStartSec?: number | string;
  wantedBy: string[];
  unitDir: string;
  enabled: boolean;
  now: boolean;
  sysroot: string;
  podmanPath: string;
}

/** The container's env values, kept out of the 0644 unit: a 0600 file the unit names in EnvironmentFile=. */
interface EnvFilePlan {
  path: string;
  /** null: the unit has no env, so no file should be there. */
  content: string | null;
  before: string | null;
  /** Permission bits of the file there now. */
  mode: number | null;
}

interface UnitPlan {
  unitPath: string;
  content: string;
  before: string | null;
  envFile: EnvFilePlan;
  missingLinks: string[];
  presentLinks: string[];
  /** Only known with a running systemd. */
  active: boolean | null;
}

const UNIT_NAME = { type: 'string', pattern: '^[A-Za-z0-9:_.@\\\\-]+\\.(service|target|socket|mount|automount|path|timer|device|slice|scope|swap)$' };
const unitList = (description: string) => ({ type: 'array', items: UNIT_NAME, description });
const TIME_SPAN = { oneOf: [{ type: 'integer', minimum: 0 }, { type: 'string', pattern: '^(infinity|[0-9]+(\\.[0-9]+)?( ?[a-z]+)?( [0-9]+(\\.[0-9]+)? ?[a-z]+)*)$' }] };
const SCALAR_MAP = { type: 'object', additionalProperties: { type: ['string', 'number', 'boolean'] } };

function paths(p: SystemdEnableParams) {
  const root = p.sysroot;
  const unit = unitName(p.name);
  return {
    unit,
    unitPath: posix.join(root, p.unitDir, unit),
    links: wantsLinks(root, unit, p.wantedBy),
  };
}

function envFilePath(p: SystemdEnableParams): string {
  return posix.join(p.sysroot, envFileName(p.name));
}

function envFileDiffers(e: EnvFilePlan): boolean {
  return e.before !== e.content || (e.content !== null && e.mode !== 0o600);
}

/** Names only, never values: the keys whose values were added, removed or changed. */
function envFileDiff(e: EnvFilePlan) {
  const keys = (text: string | null) => new Map((text ?? '').split('\n').filter((l) => /^[A-Za-z_]/.test(l)).map((l) => [l.slice(0, l.indexOf('=')), l]));
  const [old, next] = [keys(e.before), keys(e.content)];
  const side = (mine: Map<string, string>, other: Map<string, string>, label: string) =>
    [...mine.keys()].sort().map((k) => `${k} ${other.get(k) === mine.get(k) ? '(unchanged)' : `(${label} value, hidden)`}\n`).join('');
  return { path: e.path, before: side(old, next, 'old'), after: side(next, old, 'new') };
}

function containerSpec(p: SystemdEnableParams): ContainerSpec {
  const { image, command, entrypoint, env, ports, volumes, network, user, labels, extraArgs } = p;
  return { image, command, entrypoint, env, ports, volumes, network, user, labels, extraArgs };
}

/** The unit file systemdEnable writes for these (prepared) parameters. */
export function unitText(p: SystemdEnableParams): string {
  return renderContainerUnit({ ...p, container: containerSpec(p) });
}

export default defineTask<SystemdEnableParams, UnitPlan>({
  name: 'systemdEnable',
  summary: 'Writes container-NAME.service (the shape of `podman generate systemd --new`, byte-stable) and enables it',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['name', 'image'],
    properties: {
      name: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]*$', description: 'Container name (podman run --name); the unit is container-NAME.service.' },
      image: imageRefSchema('Image to run, as for podmanRun (starts with a letter or digit).'),
      command: {
        type: ['string', 'array'],
        items: { type: 'string' },
        description: 'The container command after the image, as for podmanRun: a list is passed as is; a string is split into words with shell quoting rules (nothing is expanded).',
      },
      entrypoint: {
        type: ['string', 'array'],
        items: { type: 'string' },
        description: 'Overrides the image entrypoint (--entrypoint, in podman\'s JSON-array form), as for podmanRun: a list as is, a string split with shell quoting rules.',
      },
      env: {
        ...SCALAR_MAP,
        propertyNames: { pattern: '^[A-Za-z_][A-Za-z0-9_]*$' },
        description: `Environment variables, in key order: the unit names them (-e KEY), their values go to the 0600 file ${ENV_FILE_DIR}/container-NAME.env (EnvironmentFile=), never into the unit or onto podman's command line.`,
      },
      ports: { type: 'array', items: { type: 'string', minLength: 1 }, description: 'Published ports (-p), e.g. "80:8080".' },
      volumes: { type: 'array', items: { type: 'string', minLength: 1 }, description: 'Volumes (-v), e.g. "/srv/quay/config:/conf/stack:Z".' },
      network: { type: 'string', minLength: 1, description: 'Network (--network).' },
      user: { type: 'string', minLength: 1, description: 'User in the container (--user).' },
      labels: { ...SCALAR_MAP, description: 'Container labels (--label KEY=VALUE), written in key order.' },
      extraArgs: { type: 'array', items: { type: 'string' }, description: 'Further `podman run` options, placed before the image, one list item per argument.' },
      description: { type: 'string', pattern: '^[^\\u0000-\\u001f\\\\]*$', description: 'Unit Description=. Default "Podman container-NAME.service".' },
      after: unitList('Units to start after (After=), e.g. container-clairv4.service; network-online.target is always there.'),
      wants: unitList('Units wanted (Wants=); network-online.target is always there.'),
      requires: unitList('Units required (Requires=).'),
      restart: { enum: ['no', 'on-success', 'on-failure', 'on-abnormal', 'on-watchdog', 'on-abort', 'always'], default: 'on-failure', description: 'Restart=.' },
      restartSec: { ...TIME_SPAN, description: 'RestartSec= (seconds, or a systemd time span like "30s"); omitted when not given.' },
      timeoutStartSec: { ...TIME_SPAN, description: 'TimeoutStartSec= (seconds, a time span like "5m", or "infinity"); omitted when not given.' },
      wantedBy: { ...unitList('[Install] WantedBy=.'), default: ['multi-user.target', 'default.target'] },
      unitDir: { type: 'string', pattern: '^/', default: '/etc/systemd/system', description: 'Directory of the unit file (under sysroot).' },
      enabled: { type: 'boolean', default: true, description: 'Enable (true) or disable (false) the unit.' },
      now: { type: 'boolean', description: 'Also start it (or, with enabled: false, stop it), and restart it when its unit changed. Needs a running systemd; otherwise reported as skipped.', default: false },
      sysroot: { type: 'string', pattern: '^/', default: '/', description: 'Root of the system to configure; not "/" means offline (systemctl --root).' },
      podmanPath: { type: 'string', pattern: '^/[A-Za-z0-9_./+-]+$', default: '/usr/bin/podman', description: 'podman executable in the unit.' },
    },
  },
  outputs(p) {
    const { unitPath, links } = paths(p);
    // A unit started now creates its container: in --check, later tasks on it (podmanExec) know it would exist.
    return [unitPath, ...links, ...(Object.keys(p.env ?? {}).length ? [envFilePath(p)] : []), ...(p.now && p.enabled ? [pendingContainerKey(p.name)] : [])];
  },

  async check(ctx) {
    const p = ctx.params;
    const { unit, unitPath, links } = paths(p);
    const content = unitText(p);
    const envPath = envFilePath(p);
    const hasEnv = Object.keys(p.env ?? {}).length > 0;
    // Independent reads, asked for together: one round trip's wait instead of one each.
    const [before, envInfo, linkTypes] = await Promise.all([
      readText(ctx.conn, unitPath),
      ctx.conn.stat(envPath),
      Promise.all(links.map(async (l) => (await ctx.conn.stat(l))?.type)),
    ]);
    const envFile: EnvFilePlan = {
      path: envPath,
      content: hasEnv ? renderEnvFile(p.env ?? {}) : null,
      before: envInfo ? await readText(ctx.conn, envPath) : null,
      mode: envInfo?.mode ?? null,
    };
    const envChanged = envFileDiffers(envFile);
    const missingLinks = links.filter((_, i) => linkTypes[i] !== 'link');
    const presentLinks = links.filter((_, i) => linkTypes[i] === 'link');
    const systemd = await openSystemd(ctx.conn, p.sysroot);
    const active = p.now && !systemd.offlineReason ? await systemd.isActive(unit) : null;

    const reasons: string[] = [];
    if (before !== content) reasons.push(before === null ? `${unitPath} missing` : `${unitPath} content differs`);
    if (envChanged) reasons.push(envFile.content === null ? `${envPath} no longer used` : envFile.before === null ? `${envPath} missing` : envFile.before !== envFile.content ? `${envPath} env values differ` : `${envPath} mode ${envFile.mode?.toString(8)}, want 0600`);
    const enabled = p.enabled;
    if (enabled && missingLinks.length) reasons.push(`not enabled: missing ${missingLinks.join(', ')}`);
    if (!enabled && presentLinks.length) reasons.push(`enabled, want disabled: ${presentLinks.join(', ')}`);
    if (active === false && enabled) reasons.push(`${unit} not active`);
    if (active === true && enabled && (before !== content || envChanged)) reasons.push(`${unit} active with an outdated unit: restart due`);
    if (active === true && !enabled) reasons.push(`${unit} active, want stopped`);

    const state: UnitPlan = { unitPath, content, before, envFile, missingLinks, presentLinks, active };
    const diff = [
      ...(ctx.diffMode && before !== content ? [{ path: unitPath, before: before ?? '', after: content }] : []),
      ...(ctx.diffMode && envFile.before !== envFile.content ? [envFileDiff(envFile)] : []),
    ];
    const fingerprint = {
      [`unit file ${unitPath}`]: digest(before),
      // It holds secrets: whether it is as wanted, not a digest of its values.
      [`env file ${envPath}`]: `${fileFingerprint(envInfo)} ${envFile.before === envFile.content ? 'as wanted' : 'differs'}`,
      links: links.map((l, i) => `${l}: ${linkTypes[i] ?? 'absent'}`).join(', '),
      ...(active === null ? {} : { [`${unit} active`]: String(active) }),
    };
    return { changed: reasons.length > 0, reasons, diff, state, data: { unit, unitPath }, fingerprint };
  },

  async change(ctx, plan): Promise<ChangeResult> {
    const p = ctx.params;
    const s = plan.state;
    const unit = unitName(p.name);
    const enabled = p.enabled;
    const systemd = await openSystemd(ctx.conn, p.sysroot);
    const done: string[] = [];
    const skipped: string[] = [];
    const envChanged = envFileDiffers(s.envFile);
    const unitFileChanged = s.before !== s.content;
    // New env values reach the container only when it is started again.
    const unitChanged = unitFileChanged || envChanged;

    if (envChanged && s.envFile.content !== null) {
      // Written before the unit, so a unit never names a file that is not there yet.
      await ctx.conn.mkdir(posix.dirname(s.envFile.path), { mode: 0o700 });
      await ctx.conn.writeFile(s.envFile.path, s.envFile.content, { mode: 0o600 });
      done.push(`wrote ${s.envFile.path}`);
    }
    if (unitFileChanged) {
      await ctx.conn.mkdir(posix.dirname(s.unitPath), { mode: 0o755 });
      await ctx.conn.writeFile(s.unitPath, s.content, { mode: 0o644 });
      done.push(`wrote ${s.unitPath}`);
    }
    if (envChanged && s.envFile.content === null) {
      await ctx.conn.remove(s.envFile.path);
      done.push(`removed ${s.envFile.path}`);
    }
    if (unitFileChanged) {
      if (systemd.offlineReason) skipped.push(`daemon-reload: ${systemd.offlineReason}`);
      else {
        await systemd.systemctl('daemon-reload');
        done.push('daemon-reload');
      }
    }
    if (enabled && unitFileChanged && s.presentLinks.length) {
      // reenable drops links of WantedBy= targets the old unit had and the new one has not.
      await systemd.systemctl('reenable', unit);
      done.push('re-enabled');
    } else if (enabled && s.missingLinks.length) {
      await systemd.systemctl('enable', unit);
      done.push('enabled');
    } else if (!enabled && s.presentLinks.length) {
      await systemd.systemctl('disable', unit);
      done.push('disabled');
    }
    if (p.now) {
      if (systemd.offlineReason) skipped.push(`${enabled ? 'start' : 'stop'}: ${systemd.offlineReason}`);
      else if (enabled && s.active === false) {
        await systemd.systemctl('start', unit);
        done.push('started');
      } else if (enabled && s.active && unitChanged) {
        await systemd.systemctl('restart', unit);
        done.push('restarted');
      } else if (!enabled && s.active) {
        await systemd.systemctl('stop', unit);
        done.push('stopped');
      }
    }
    return { message: done.join('; '), skipped: skipped.length ? skipped : undefined, data: { unit, unitPath: s.unitPath } };
  },
});
