/**
 * container-NAME.service in the shape of `podman generate systemd --new`, rendered
 * byte-stably: no timestamp, no version, keys in a fixed order.
 */

import { argList } from '../shared/words.ts';

export interface ContainerSpec {
  image: string;
  /** A string is split with shell quoting rules, as podmanRun does. */
  command?: string | string[];
  entrypoint?: string | string[];
  env?: Record<string, string | number | boolean>;
  ports?: string[];
  volumes?: string[];
  network?: string;
  user?: string;
  labels?: Record<string, string | number | boolean>;
  /** Further `podman run` options, placed before the image. */
  extraArgs?: string[];
}

export interface UnitSpec {
  name: string;
  container: ContainerSpec;
  description?: string;
  after?: string[];
  wants?: string[];
  requires?: string[];
  restart: string;
  restartSec?: number | string;
  timeoutStartSec?: number | string;
  wantedBy: string[];
  podmanPath: string;
}

const UNQUOTED_SAFE = /^[A-Za-z0-9_@%+=:,./$-]+$/;

function cEscape(ch: string): string {
  switch (ch) {
    case '\\': return '\\\\';
    case '"': return '\\"';
    case '\n': return '\\n';
    case '\t': return '\\t';
    case '\r': return '\\r';
  }
  const code = ch.codePointAt(0)!;
  if (code < 0x20 || code === 0x7f) return `\\x${code.toString(16).padStart(2, '0')}`;
  return ch;
}

/**
 * One argv word as systemd's command-line syntax reads it back unchanged: `%` doubled
 * (specifiers are expanded per word), `$` doubled (environment substitution at exec time),
 * and double quotes with C escapes whenever the word holds anything beyond plain characters.
 */
export function quoteExecArg(arg: string): string {
  const escaped = arg.replace(/%/g, '%%').replace(/\$/g, '$$$$');
  if (UNQUOTED_SAFE.test(escaped)) return escaped;
  return `"${[...escaped].map(cEscape).join('')}"`;
}

/** `%` in a plain setting value (Description=) is a specifier; doubled it is literal. */
function escapeSpecifiers(value: string): string {
  return value.replace(/%/g, '%%');
}

function sortedEntries(map: Record<string, string | number | boolean> | undefined): [string, string][] {
  return Object.entries(map ?? {})
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => [k, String(v)]);
}

/** `podman run` options and arguments after the fixed systemd ones, grouped one option per line. */
export function podmanRunGroups(c: ContainerSpec): string[][] {
  const groups: string[][] = [];
  if (c.entrypoint !== undefined) {
    // The JSON-array form, as podmanRun passes it: podman then runs it without a shell.
    groups.push(['--entrypoint', JSON.stringify(argList(c.entrypoint))]);
  }
  if (c.user !== undefined) groups.push(['--user', c.user]);
  if (c.network !== undefined) groups.push(['--network', c.network]);
  for (const port of c.ports ?? []) groups.push(['-p', port]);
  for (const volume of c.volumes ?? []) groups.push(['-v', volume]);
  // Only the names: podman takes each value from its own environment, which systemd fills from
  // the 0600 env file, so no value sits in the world-readable unit or on podman's command line.
  for (const [k] of sortedEntries(c.env)) groups.push(['-e', k]);
  for (const [k, v] of sortedEntries(c.labels)) groups.push(['--label', `${k}=${v}`]);
  if (c.extraArgs?.length) groups.push(c.extraArgs);
  groups.push([c.image, ...(c.command !== undefined ? argList(c.command) : [])]);
  return groups;
}

/** `fixed` is already in systemd syntax (it uses %t and %n); `args` are user values, quoted. */
function execLine(key: string, fixed: string[], args: string[][] = []): string {
  const lines = [...fixed, ...args.map((g) => g.map(quoteExecArg).join(' '))];
  return `${key}=${lines.join(' \\\n\t')}`;
}

export function unitName(containerName: string): string {
  return `container-${containerName}.service`;
}

/** Where the env file of container-NAME.service lives (owner-only directory, 0600 file). */
export const ENV_FILE_DIR = '/etc/tackle/env';

export function envFileName(containerName: string): string {
  return `${ENV_FILE_DIR}/container-${containerName}.env`;
}

/**
 * systemd's EnvironmentFile= syntax: a double-quoted value may span lines, and inside it a
 * backslash keeps the next one of \ " ` $ literal; every other character is taken as is.
 */
export function renderEnvFile(env: Record<string, string | number | boolean>): string {
  const lines = ['# Written by tackle (systemdEnable); holds the container\'s env values: keep it 0600.'];
  for (const [k, v] of sortedEntries(env)) lines.push(`${k}="${v.replace(/[\\"`$]/g, (c) => `\\${c}`)}"`);
  return `${lines.join('\n')}\n`;
}

export function renderContainerUnit(spec: UnitSpec): string {
  const unit = unitName(spec.name);
  // The schema limits podmanPath to plain characters: systemd refuses quotes in an executable name.
  const podman = spec.podmanPath;
  const cid = '--cidfile=%t/%n.ctr-id';
  const list = (items: string[]) => items.join(' ');
  const lines = [
    `# ${unit}`,
    '# Written by tackle (systemdEnable) in the shape of `podman generate systemd --new`.',
    '# Edits here are overwritten on the next run; change the playbook instead.',
    '',
    '[Unit]',
    `Description=${escapeSpecifiers(spec.description ?? `Podman ${unit}`)}`,
    'Documentation=man:podman-generate-systemd(1)',
    `Wants=${list(['network-online.target', ...(spec.wants ?? [])])}`,
    `After=${list(['network-online.target', ...(spec.after ?? [])])}`,
    ...(spec.requires?.length ? [`Requires=${list(spec.requires)}`] : []),
    'RequiresMountsFor=%t/containers',
    '',
    '[Service]',
    'Environment=PODMAN_SYSTEMD_UNIT=%n',
    ...(Object.keys(spec.container.env ?? {}).length ? [`EnvironmentFile=${envFileName(spec.name)}`] : []),
    `Restart=${spec.restart}`,
    ...(spec.restartSec !== undefined ? [`RestartSec=${spec.restartSec}`] : []),
    ...(spec.timeoutStartSec !== undefined ? [`TimeoutStartSec=${spec.timeoutStartSec}`] : []),
    'TimeoutStopSec=70',
    'ExecStartPre=/bin/rm -f %t/%n.ctr-id',
    execLine(
      'ExecStart',
      [`${podman} run`, cid, '--cgroups=no-conmon', '--rm', '--sdnotify=conmon', '--replace', '-d'],
      [['--name', spec.name], ...podmanRunGroups(spec.container)],
    ),
    execLine('ExecStop', [`${podman} stop --ignore -t 10 ${cid}`]),
    execLine('ExecStopPost', [`${podman} rm -f --ignore -t 10 ${cid}`]),
    'Type=notify',
    'NotifyAccess=all',
    '',
    '[Install]',
    `WantedBy=${list(spec.wantedBy)}`,
    '',
  ];
  return lines.join('\n');
}
