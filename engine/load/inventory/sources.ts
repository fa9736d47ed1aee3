import { accessSync, constants, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { InputError, TackleError } from '../../errors.ts';
import { decodeUtf8 } from '../text-checks.ts';
import { MAX_FILE_BYTES, YamlSource, type ReadOptions } from '../yaml-source.ts';
import type { InventoryData } from './data.ts';
import { expandHostEntry } from './host-range.ts';
import { parseIniInventory } from './ini.ts';
import { parseYamlInventory } from './yaml.ts';
import { noteInputFile } from '../../input-files.ts';

/** What Ansible skips in a directory given to -i: hidden files, vars directories, backups and these extensions. */
const IGNORED_NAMES = /^\.|^host_vars$|^group_vars$|^vars_plugins$/;
const IGNORED_EXTENSIONS = ['.pyc', '.pyo', '.swp', '.bak', '~', '.rpm', '.md', '.txt', '.rst', '.orig', '.ini', '.cfg', '.retry'];
const YAML_EXTENSIONS = ['.yml', '.yaml', '.json'];

/** True when `source` is a comma-separated host list ("h1,h2," or "web1,"), not a path. */
export function isHostList(source: string): boolean {
  return source.includes(',') && !existsSync(source);
}

/** Reads one -i value (a file, a directory of inventory files, or a host list) into `data`. */
export function readInventorySource(source: string, data: InventoryData, problems: InputError[], opts: ReadOptions): void {
  const start = { file: source, line: 1, col: 1 };
  if (isHostList(source)) {
    for (const item of source.split(',').map((s) => s.trim()).filter(Boolean)) {
      try {
        const { hosts, port } = item.includes('[') ? { hosts: [item], port: undefined } : expandHostEntry(item);
        for (const h of hosts) if (!data.hosts.has(h)) data.addHost(h, 'ungrouped', port);
      } catch (error) {
        problems.push(new InputError({ file: '-i', line: 1, col: 1 }, `host list ${JSON.stringify(source)}: ${(error as Error).message}`));
      }
    }
    return;
  }
  if (!existsSync(source)) {
    problems.push(new InputError(start, 'cannot read inventory: file not found (for a list of hosts, end it with a comma: -i "host1,")'));
    return;
  }
  if (statSync(source).isDirectory()) {
    const entries = readdirSync(source).sort().filter((e) => !IGNORED_NAMES.test(e) && !IGNORED_EXTENSIONS.some((ext) => e.endsWith(ext)));
    if (entries.length === 0) {
      problems.push(new InputError(start, 'no inventory file in it: it is a directory, and -i DIR reads the inventory files inside it (skipping hidden files, group_vars/, host_vars/ and names ending in ' + IGNORED_EXTENSIONS.join(' ') + ')'));
    }
    for (const entry of entries) readInventorySource(join(source, entry), data, problems, opts);
    return;
  }
  readInventoryFile(source, data, problems, opts);
}

function readInventoryFile(file: string, data: InventoryData, problems: InputError[], opts: ReadOptions): void {
  const start = { file, line: 1, col: 1 };
  const ext = extname(file).toLowerCase();
  if (YAML_EXTENSIONS.includes(ext)) {
    const src = YamlSource.read(file, file, opts);
    problems.push(...src.problems);
    const root = src.value;
    if (root && typeof root === 'object' && !Array.isArray(root) && 'plugin' in root) {
      const plugin = String((root as Record<string, unknown>)['plugin']);
      problems.push(src.error(['plugin'], `inventory plugin '${plugin}' is not supported: tackle reads static INI and YAML inventories (run 'ansible-inventory -i ${file} --list -y' and use its output)`));
      return;
    }
    parseYamlInventory(src, data, problems);
    return;
  }
  if (ext === '.toml') {
    problems.push(new InputError(start, 'TOML inventories are not supported: use an INI or YAML inventory'));
    return;
  }
  const size = statSync(file).size;
  if (size > MAX_FILE_BYTES) {
    problems.push(new InputError(start, `file is too large (${size} bytes; at most ${MAX_FILE_BYTES})`));
    return;
  }
  const bytes = readFileSync(file);
  noteInputFile(file, bytes);
  if (isExecutableScript(file, bytes)) {
    problems.push(new InputError(start, 'executable inventory scripts are not supported: run it and save its output as a YAML or JSON inventory'));
    return;
  }
  const decoded = decodeUtf8(bytes);
  if ('problem' in decoded) {
    problems.push(new InputError({ file, line: decoded.line, col: decoded.col }, decoded.problem));
    return;
  }
  try {
    parseIniInventory(decoded.text, file, data, problems);
  } catch (error) {
    if (!(error instanceof TackleError)) throw error;
    problems.push(new InputError(start, error.message));
  }
}

function isExecutableScript(file: string, bytes: Buffer): boolean {
  if (!bytes.subarray(0, 2).equals(Buffer.from('#!'))) return false;
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
