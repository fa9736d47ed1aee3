import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { UnsafeText } from '../engine/template/unsafe.ts';
import { ValidationFailed, type InputError } from '../engine/errors.ts';
import { loadInventory } from '../engine/load/inventory.ts';
import type { Inventory } from '../engine/model.ts';
import { INVENTORY_HELP } from './help.ts';
import { graphLines, yamlInventory } from './inventory-views.ts';
import { readVaultSecrets } from './vault.ts';

/** Variables Ansible keeps to itself: `ansible-inventory` never prints them. */
const INTERNAL_VARS = new Set([
  'ansible_diff_mode', 'ansible_config_file', 'ansible_facts', 'ansible_forks', 'ansible_inventory_sources', 'ansible_limit',
  'ansible_playbook_python', 'ansible_run_tags', 'ansible_skip_tags', 'ansible_verbosity', 'ansible_version', 'inventory_dir',
  'inventory_file', 'inventory_hostname', 'inventory_hostname_short', 'groups', 'group_names', 'omit', 'playbook_dir',
]);

interface Io {
  out: { write(text: string): unknown };
  err: { write(text: string): unknown };
}

/** `tackle inventory -i INV --list | --graph [GROUP] | --host NAME`: what ansible-inventory prints. */
export async function inventoryCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      inventory: { type: 'string', short: 'i', multiple: true, default: [] },
      list: { type: 'boolean', default: false },
      graph: { type: 'boolean', default: false },
      host: { type: 'string' },
      'playbook-dir': { type: 'string' },
      vars: { type: 'boolean', default: false },
      yaml: { type: 'boolean', short: 'y', default: false },
      output: { type: 'string' },
      'vault-password-file': { type: 'string', multiple: true, default: [] },
      'vault-id': { type: 'string', multiple: true, default: [] },
      'ask-vault-pass': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    io.out.write(INVENTORY_HELP);
    return 0;
  }
  const modes = [values.list, values.graph, values.host !== undefined].filter(Boolean).length;
  if (modes !== 1) {
    io.err.write('tackle inventory: give exactly one of --list, --graph [GROUP], --host NAME\n');
    return 5;
  }
  if (values.inventory.length === 0) {
    io.err.write('tackle inventory: -i INVENTORY is required\n');
    return 5;
  }
  const problems: InputError[] = [];
  const vaultSecrets = await readVaultSecrets({ files: values['vault-password-file'], ids: values['vault-id'], ask: values['ask-vault-pass'] });
  const inventory = loadInventory(values.inventory, problems, { vaultSecrets, playbookDir: values['playbook-dir'] });
  if (problems.length > 0) throw new ValidationFailed(problems);

  const print = async (text: string): Promise<void> => {
    if (values.output === undefined) io.out.write(text);
    else await writeFile(values.output, text);
  };
  if (values.list) await print(values.yaml ? yamlInventory(inventory, publicVars) : pythonJson(listInventory(inventory)) + '\n');
  else if (values.host !== undefined) {
    const host = inventory.hosts.get(values.host);
    if (!host) {
      io.err.write(`tackle inventory: no host '${values.host}' in the inventory\n`);
      return 5;
    }
    const vars = publicVars(host.vars);
    await print(values.yaml ? (Object.keys(vars).length ? stringify(vars, { sortMapEntries: true, indentSeq: false }) : '{}\n') : pythonJson(vars) + '\n');
  } else {
    const start = positionals[0] ?? 'all';
    if (!inventory.structure?.has(start)) {
      io.err.write(`tackle inventory: --graph needs a group name; '${start}' is not a group\n`);
      return 5;
    }
    await print(graphLines(inventory, start, values.vars, publicVars).join('\n') + '\n');
  }
  return 0;
}

function publicVars(vars: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(vars).filter(([k]) => !INTERNAL_VARS.has(k)));
}

/** The shape of `ansible-inventory --list`: groups reachable from `all` with direct hosts and children, then `_meta.hostvars`. */
export function listInventory(inventory: Inventory): Record<string, unknown> {
  const structure = inventory.structure ?? new Map();
  const out: Record<string, unknown> = {};
  const seen = new Set<string>();
  const visit = (name: string): void => {
    const g = structure.get(name);
    if (!g) return;
    const entry: Record<string, unknown> = {};
    if (name !== 'all' && g.hosts.length) entry['hosts'] = [...g.hosts];
    if (g.children.length) entry['children'] = [...g.children];
    if (Object.keys(entry).length) out[name] = entry;
    for (const child of g.children) {
      if (seen.has(child)) continue;
      seen.add(child);
      visit(child);
    }
  };
  visit('all');
  const hostvars: Record<string, unknown> = {};
  for (const [name, host] of inventory.hosts) {
    const vars = publicVars(host.vars);
    if (Object.keys(vars).length) hostvars[name] = vars;
  }
  out['_meta'] = { hostvars };
  return out;
}

/** JSON as Python's json.dumps(sort_keys=True, indent=4, ensure_ascii=False) writes it. */
export function pythonJson(value: unknown, indent = ''): string {
  const inner = indent + '    ';
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    return `[\n${value.map((v) => inner + pythonJson(v, inner)).join(',\n')}\n${indent}]`;
  }
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  // As ansible-inventory marks a `!unsafe` string.
  if (value instanceof UnsafeText) return pythonJson({ __ansible_unsafe: value.text }, indent);
  if (typeof value === 'object' && value !== null) {
    const keys = Object.keys(value).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    if (keys.length === 0) return '{}';
    const body = keys.map((k) => `${inner}${JSON.stringify(k)}: ${pythonJson((value as Record<string, unknown>)[k], inner)}`);
    return `{\n${body.join(',\n')}\n${indent}}`;
  }
  if (value === undefined) return 'null';
  if (typeof value === 'number' && !Number.isFinite(value)) return Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity';
  return JSON.stringify(value);
}
