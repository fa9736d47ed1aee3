import { posix } from 'node:path';
import { readText } from '../../engine/exec-helpers.ts';
import { defineTask, type ChangeResult } from '../../engine/task.ts';
import { pendingContainerKey } from '../shared/pending-keys.ts';
import { openSystemd, wantsLinks } from './systemctl.ts';
import { DEFAULT_WANTED_BY, renderContainerUnit, unitName, type ContainerSpec } from './unit-file.ts';

export interface SystemdEnableParams extends ContainerSpec {
  name: string;
  description?: string;
  after?: string[];
  wants?: string[];
  requires?: string[];
  restart?: 'no' | 'on-success' | 'on-failure' | 'on-abnormal' | 'on-watchdog' | 'on-abort' | 'always';
  restartSec?: number | string;
  timeoutStartSec?: number | string;
  wantedBy?: string[];
  unitDir?: string;
  enabled?: boolean;
  now?: boolean;
  sysroot?: string;
  podmanPath?: string;
}

interface UnitPlan {
  unitPath: string;
  content: string;
  before: string | null;
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
  const root = p.sysroot ?? '/';
  const unit = unitName(p.name);
  return {
    unit,
    unitPath: posix.join(root, p.unitDir ?? '/etc/systemd/system', unit),
    links: wantsLinks(root, unit, p.wantedBy ?? DEFAULT_WANTED_BY),
  };
}

function containerSpec(p: SystemdEnableParams): ContainerSpec {
  const { image, command, entrypoint, env, ports, volumes, network, user, labels, extraArgs } = p;
  return { image, command, entrypoint, env, ports, volumes, network, user, labels, extraArgs };
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
      image: { type: 'string', minLength: 1, description: 'Image to run, as for podmanRun.' },
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
      env: { ...SCALAR_MAP, propertyNames: { pattern: '^[A-Za-z_][A-Za-z0-9_]*$' }, description: 'Environment variables (-e KEY=VALUE), written in key order.' },
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
      restart: { enum: ['no', 'on-success', 'on-failure', 'on-abnormal', 'on-watchdog', 'on-abort', 'always'], description: 'Restart=. Default on-failure.' },
      restartSec: { ...TIME_SPAN, description: 'RestartSec= (seconds, or a systemd time span like "30s"); omitted when not given.' },
      timeoutStartSec: { ...TIME_SPAN, description: 'TimeoutStartSec= (seconds, a time span like "5m", or "infinity"); omitted when not given.' },
      wantedBy: unitList('[Install] WantedBy=. Default [multi-user.target, default.target].'),
      unitDir: { type: 'string', pattern: '^/', description: 'Directory of the unit file (under sysroot). Default /etc/systemd/system.' },
      enabled: { type: 'boolean', description: 'Enable (true) or disable (false) the unit. Default true.' },
      now: { type: 'boolean', description: 'Also start it (or, with enabled: false, stop it), and restart it when its unit changed. Needs a running systemd; otherwise reported as skipped. Default false.' },
      sysroot: { type: 'string', pattern: '^/', description: 'Root of the system to configure; not "/" means offline (systemctl --root). Default "/".' },
      podmanPath: { type: 'string', pattern: '^/[A-Za-z0-9_./+-]+$', description: 'podman executable in the unit. Default /usr/bin/podman.' },
    },
  },
  outputs(p) {
    const { unitPath, links } = paths(p);
    // A unit started now creates its container: in --check, later tasks on it (podmanExec) know it would exist.
    return [unitPath, ...links, ...(p.now && p.enabled !== false ? [pendingContainerKey(p.name)] : [])];
  },

  async check(ctx) {
    const p = ctx.params;
    const { unit, unitPath, links } = paths(p);
    const content = renderContainerUnit({ ...p, container: containerSpec(p) });
    const before = await readText(ctx.conn, unitPath);
    const linkTypes = await Promise.all(links.map(async (l) => (await ctx.conn.stat(l))?.type));
    const missingLinks = links.filter((_, i) => linkTypes[i] !== 'link');
    const presentLinks = links.filter((_, i) => linkTypes[i] === 'link');
    const systemd = await openSystemd(ctx.conn, p.sysroot ?? '/');
    const active = p.now && !systemd.offlineReason ? await systemd.isActive(unit) : null;

    const reasons: string[] = [];
    if (before !== content) reasons.push(before === null ? `${unitPath} missing` : `${unitPath} content differs`);
    const enabled = p.enabled ?? true;
    if (enabled && missingLinks.length) reasons.push(`not enabled: missing ${missingLinks.join(', ')}`);
    if (!enabled && presentLinks.length) reasons.push(`enabled, want disabled: ${presentLinks.join(', ')}`);
    if (active === false && enabled) reasons.push(`${unit} not active`);
    if (active === true && enabled && before !== content) reasons.push(`${unit} active with an outdated unit: restart due`);
    if (active === true && !enabled) reasons.push(`${unit} active, want stopped`);

    const state: UnitPlan = { unitPath, content, before, missingLinks, presentLinks, active };
    const diff = ctx.diffMode && before !== content ? [{ path: unitPath, before: before ?? '', after: content }] : [];
    return { changed: reasons.length > 0, reasons, diff, state, data: { unit, unitPath } };
  },

  async change(ctx, plan): Promise<ChangeResult> {
    const p = ctx.params;
    const s = plan.state;
    const unit = unitName(p.name);
    const enabled = p.enabled ?? true;
    const systemd = await openSystemd(ctx.conn, p.sysroot ?? '/');
    const done: string[] = [];
    const skipped: string[] = [];
    const unitChanged = s.before !== s.content;

    if (unitChanged) {
      await ctx.conn.mkdir(posix.dirname(s.unitPath), { mode: 0o755 });
      await ctx.conn.writeFile(s.unitPath, s.content, { mode: 0o644 });
      done.push(`wrote ${s.unitPath}`);
      if (systemd.offlineReason) skipped.push(`daemon-reload: ${systemd.offlineReason}`);
      else {
        await systemd.systemctl('daemon-reload');
        done.push('daemon-reload');
      }
    }
    if (enabled && unitChanged && s.presentLinks.length) {
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
