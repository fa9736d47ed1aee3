import { randomBytes, scryptSync, timingSafeEqual, createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import type { InputFiles } from '../input-files.ts';
import type { PlanFile, PlanInput } from './plan-file.ts';

export interface RunInputs {
  playbook: string;
  /** -i values as given. */
  inventory: string[];
  /** -e values as given. */
  extraVars: string[];
}

/** The plan's inputs: every file the run read (relative to `cwd`), a host-list inventory, each -e value hashed. */
export function planInputs(files: InputFiles, given: RunInputs, cwd: string): PlanInput[] {
  const playbook = resolve(cwd, given.playbook);
  const inventoryPaths = given.inventory.filter((i) => existsSync(resolve(cwd, i))).map((i) => resolve(cwd, i));
  const kindOf = (abs: string): PlanInput['kind'] =>
    abs === playbook ? 'playbook' : inventoryPaths.some((i) => abs === i || abs.startsWith(i + sep)) ? 'inventory' : 'file';
  const fileInputs = [...files].map(([path, hash]): PlanInput => {
    const abs = resolve(cwd, path);
    return { kind: kindOf(abs), name: shownPath(abs, cwd), hash };
  });
  const hostLists = given.inventory.filter((i) => !existsSync(resolve(cwd, i))).map((i): PlanInput => ({ kind: 'inventory', name: i, hash: sha256(i) }));
  const extra = given.extraVars.map((raw, i): PlanInput => ({ kind: 'extra-vars', name: extraVarName(i), hash: saltedHash(extraVarIdentity(raw, cwd)) }));
  const order = { playbook: 0, inventory: 1, file: 2, 'extra-vars': 3 };
  return [...fileInputs, ...hostLists, ...extra].sort((a, b) => order[a.kind] - order[b.kind]);
}

/** An -e value as compared: `@FILE` names the file wherever it was given from (its content is an input file of its own). */
function extraVarIdentity(raw: string, cwd: string): string {
  return raw.startsWith('@') ? `@${resolve(cwd, raw.slice(1))}` : raw;
}

export function extraVarName(index: number): string {
  return `-e #${index + 1}`;
}

/**
 * Why the inputs are not those of the plan, naming the first that differs; undefined when they
 * are the same. Files are read again from `base` (the plan's directory), -e values (given in `cwd`)
 * compared with their hashes.
 */
export function inputsDifference(plan: PlanFile, extraVars: string[], cwd: string, base: string): string | undefined {
  const planned = plan.inputs.filter((i) => i.kind === 'extra-vars');
  if (planned.length !== extraVars.length) return `the plan was made with ${planned.length} -e value(s), apply has ${extraVars.length}: pass the same -e values as tackle plan had`;
  for (const [i, raw] of extraVars.entries()) {
    if (!saltedHashMatches(planned[i]!.hash, extraVarIdentity(raw, cwd))) return `${extraVarName(i)} differs from the plan's: pass the same -e values as tackle plan had`;
  }
  for (const input of plan.inputs) {
    if (input.kind === 'extra-vars') continue;
    const abs = resolve(base, input.name);
    if (input.kind === 'inventory' && !existsSync(abs)) {
      if (input.hash !== sha256(input.name)) return `inventory ${input.name} differs from the plan's`;
      continue;
    }
    if (!existsSync(abs) || !statSync(abs).isFile()) return `${input.name} is gone since the plan was made`;
    if (sha256(readFileSync(abs)) !== input.hash) return `${input.name} changed since the plan was made`;
  }
  return undefined;
}

/** A file read now (paths as read in `cwd`) that the plan did not read (a new vars file, a template added): named, or undefined. */
export function newInputFile(plan: PlanFile, files: InputFiles, cwd: string, base: string): string | undefined {
  const known = new Set(plan.inputs.map((i) => resolve(base, i.name)));
  for (const path of files.keys()) {
    const abs = resolve(cwd, path);
    if (!known.has(abs)) return `${shownPath(abs, base)} is read now but was not when the plan was made`;
  }
  return undefined;
}

/** A path the plan names (playbook, an inventory file), where it is seen from `base`; a host list stays as it is. */
export function planPath(name: string, base: string): string {
  const abs = resolve(base, name);
  return existsSync(abs) ? abs : name;
}

/**
 * A task's FILE:LINE:COL as a plan states it: FILE relative to the plan's directory (`base`),
 * however the run named it (apply from elsewhere loads the playbook by an absolute path).
 */
export function planPosition(at: string, cwd: string, base: string): string {
  const m = /^(.*)(:\d+:\d+)$/.exec(at);
  return m ? `${shownPath(resolve(cwd, m[1]!), base)}${m[2]}` : at;
}

function shownPath(abs: string, cwd: string): string {
  const rel = relative(cwd, abs);
  return rel === '' || isAbsolute(rel) || rel.startsWith('..') ? abs : rel;
}

export function sha256(data: string | Uint8Array): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

// -e values may be passwords: a slow salted hash, so a plan does not let one be looked up or guessed cheaply.
const SCRYPT = { N: 1 << 14, r: 8, p: 1 };

function saltedHash(value: string, salt = randomBytes(16)): string {
  return `scrypt:${salt.toString('hex')}:${scryptSync(value, salt, 32, SCRYPT).toString('hex')}`;
}

function saltedHashMatches(stored: string, value: string): boolean {
  const [scheme, salt, hash] = stored.split(':');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const now = scryptSync(value, Buffer.from(salt, 'hex'), 32, SCRYPT);
  const then = Buffer.from(hash, 'hex');
  return then.length === now.length && timingSafeEqual(then, now);
}
