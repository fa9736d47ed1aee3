import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { BenchError } from './checks.ts';

/** Where the bench's hosts log in: a fresh machine's root home, or this machine's own. */
export type LoginHome = 'stock' | 'own';

/** Debian's base-files package ships root's dotfiles as they are on a fresh install. */
const STOCK_DOTFILES: Record<string, string> = {
  '.bashrc': '/usr/share/base-files/dot.bashrc',
  '.profile': '/usr/share/base-files/dot.profile',
};

/**
 * A home holding a fresh Debian root's .bashrc and .profile, for the hosts' logins (sshd sets
 * HOME to it). The hosts stand for target machines, and bash reads ~/.bashrc on every SSH command:
 * with the controller user's own dotfiles the bench measures those. Here root's .bashrc runs
 * `pyenv init`, whose rehash takes a lock, so 100 logins at once queued for 17 s.
 */
function stockLoginHome(parent: string): string {
  const home = join(parent, 'home');
  mkdirSync(home, { recursive: true, mode: 0o700 });
  for (const [name, source] of Object.entries(STOCK_DOTFILES)) {
    if (!existsSync(source)) throw new BenchError(`${source} not found: install the Debian package base-files, or run with --own-home`);
    copyFileSync(source, join(home, name));
  }
  return home;
}

/** How a result file names the home its hosts logged in to; files older than the option say nothing. */
export const LOGIN_HOME_LABEL: Record<LoginHome, string> = {
  stock: "a fresh Debian root's .bashrc and .profile (sshd SetEnv HOME)",
  own: "this machine's root home",
};

export function loginHomeOf(result: { loginHome?: string }): string {
  return result.loginHome ?? LOGIN_HOME_LABEL.own;
}

/** startSshHosts' option for the home asked for. */
export function loginHomeOption(which: LoginHome, parent: string): { loginHome?: string } {
  return which === 'stock' ? { loginHome: stockLoginHome(parent) } : {};
}
