import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { readTerminalLine } from '../engine/load/terminal-line.ts';
import { isVaultText, vaultDecrypt, vaultEncrypt, VaultError } from '../engine/load/vault.ts';

const HELP = `Usage: tackle vault encrypt|decrypt|view FILE [--vault-password-file FILE]

Encrypts or decrypts a vars file in place (Ansible's $ANSIBLE_VAULT;1.1;AES256 format, so
files made by ansible-vault load and ours open in ansible-vault), or prints it decrypted.
Without --vault-password-file the password is asked for on the terminal.
`;

export async function vaultCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { 'vault-password-file': { type: 'string' }, help: { type: 'boolean', short: 'h', default: false } },
    allowPositionals: true,
  });
  const [action, file] = positionals;
  if (values.help || !action || !file || !['encrypt', 'decrypt', 'view'].includes(action)) {
    process.stdout.write(HELP);
    return values.help ? 0 : 5;
  }
  const password = await readVaultPassword(values['vault-password-file']);
  const text = await readFile(file, 'utf8');
  if (action === 'encrypt') {
    if (isVaultText(text)) throw new VaultError(`${file} is already encrypted`);
    await writeFile(file, vaultEncrypt(text, password), { mode: 0o600 });
  } else if (action === 'decrypt') {
    await writeFile(file, vaultDecrypt(text, password, file));
  } else {
    process.stdout.write(vaultDecrypt(text, password, file));
  }
  return 0;
}

export async function readVaultPassword(passwordFile: string | undefined): Promise<string> {
  if (passwordFile) return (await readFile(passwordFile, 'utf8')).replace(/\r?\n$/, '');
  if (!process.stdin.isTTY) throw new VaultError('no vault password: pass --vault-password-file FILE (no terminal to ask on)');
  // Echo off: the password never appears on the screen (nor in a terminal's scrollback).
  process.stderr.write('Vault password: ');
  return readTerminalLine(true, 'the vault password');
}
