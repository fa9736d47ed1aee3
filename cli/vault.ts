import { execFile } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { isVaultText, vaultDecryptWithAny, vaultEncrypt, VaultError, type VaultSecret } from '../engine/load/vault.ts';
import { askHidden } from './prompt.ts';

const HELP = `Usage: tackle vault encrypt|decrypt|view FILE [--vault-password-file FILE | --vault-id [LABEL@]SOURCE ...]

Encrypts or decrypts a vars file in place (Ansible's $ANSIBLE_VAULT format, so files made by
ansible-vault load and ours open in ansible-vault), or prints it decrypted. encrypt uses the first
password given; under a --vault-id label other than default it writes format 1.2 with the label,
as ansible-vault does. decrypt and view try the file's own label first, then the others.
An executable password file is run and prints the password. Without any, it is asked for on the
terminal (echo off).
`;

export async function vaultCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      'vault-password-file': { type: 'string', multiple: true, default: [] },
      'vault-id': { type: 'string', multiple: true, default: [] },
      help: { type: 'boolean', short: 'h', default: false },
    },
    allowPositionals: true,
  });
  const [action, file] = positionals;
  if (values.help || !action || !file || !['encrypt', 'decrypt', 'view'].includes(action)) {
    process.stdout.write(HELP);
    return values.help ? 0 : 5;
  }
  const secrets = (await readVaultSecrets({ ids: values['vault-id'], files: values['vault-password-file'] })) ?? [
    { label: 'default', password: await readVaultPassword(undefined) },
  ];
  const text = await readFile(file, 'utf8');
  if (action === 'encrypt') {
    if (isVaultText(text)) throw new VaultError(`${file} is already encrypted`);
    const first = secrets[0]!;
    await writeFile(file, vaultEncrypt(text, first.password, first.label === 'default' ? undefined : first.label), { mode: 0o600 });
  } else if (action === 'decrypt') {
    await writeFile(file, vaultDecryptWithAny(text, secrets, file));
  } else {
    process.stdout.write(vaultDecryptWithAny(text, secrets, file));
  }
  return 0;
}

export interface VaultSources {
  /** --vault-password-file values: files, or executables whose stdout is the password. */
  files?: readonly string[];
  /** --vault-id values: LABEL@SOURCE or SOURCE, where SOURCE is a file, an executable or `prompt`. */
  ids?: readonly string[];
  /** --ask-vault-pass */
  ask?: boolean;
}

/** Every vault password the options give, labelled; undefined when they give none. */
export async function readVaultSecrets(sources: VaultSources): Promise<VaultSecret[] | undefined> {
  const secrets: VaultSecret[] = [];
  if (sources.ask) secrets.push({ label: 'default', password: await askVaultPassword('Vault password: ', '--ask-vault-pass') });
  for (const id of sources.ids ?? []) {
    const at = id.indexOf('@');
    const label = at > 0 ? id.slice(0, at) : 'default';
    const source = at >= 0 ? id.slice(at + 1) : id;
    if (!source) throw new VaultError(`--vault-id '${id}': expected LABEL@SOURCE (a file, an executable or prompt)`);
    const password = source === 'prompt' ? await askVaultPassword(`Vault password (${label}): `, `--vault-id ${id}`) : await passwordFrom(source, label);
    secrets.push({ label, password });
  }
  for (const file of sources.files ?? []) secrets.push({ label: 'default', password: await passwordFrom(file, 'default') });
  return secrets.length > 0 ? secrets : undefined;
}

/** The password of the `tackle vault` command: from the file (or executable), else asked on the terminal. */
export async function readVaultPassword(passwordFile: string | undefined): Promise<string> {
  if (passwordFile) return passwordFrom(passwordFile, 'default');
  return askVaultPassword('Vault password: ', 'the vault password');
}

function askVaultPassword(question: string, option: string): Promise<string> {
  return askHidden(question, option, 'pass --vault-password-file FILE or --vault-id LABEL@FILE').catch((error: unknown) => {
    throw error instanceof Error ? new VaultError(error.message) : error;
  });
}

/**
 * A password file, or, when it is executable, what it prints (as Ansible runs vault password
 * scripts; one named *-client gets --vault-id LABEL, to say which password it should print).
 */
async function passwordFrom(file: string, label: string): Promise<string> {
  if (!isExecutable(file)) {
    const password = (await readFile(file, 'utf8')).trim();
    if (!password) throw new VaultError(`vault password file ${file} is empty`);
    return password;
  }
  const args = /-client$/.test(basename(file).replace(/\.[^.]*$/, '')) ? ['--vault-id', label] : [];
  const result = await new Promise<{ code: number | null; stdout: string; stderr: string; error?: Error }>((done) => {
    execFile(resolve(file), args, { maxBuffer: 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error && typeof (error as { code?: unknown }).code === 'number' ? ((error as { code: number }).code) : error ? null : 0;
      done({ code, stdout, stderr, ...(error && code === null ? { error } : {}) });
    });
  });
  if (result.error) throw new VaultError(`vault password script ${file} could not run: ${result.error.message}`);
  if (result.code !== 0) throw new VaultError(`vault password script ${file} exited with ${result.code}: ${result.stderr.trim()}`);
  const password = result.stdout.replace(/^[\r\n]+|[\r\n]+$/g, '');
  if (!password) throw new VaultError(`vault password script ${file} printed no password`);
  return password;
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}
