import type { Connection } from '../../engine/connection.ts';

export interface RegistryAuth {
  username: string;
  password: string;
}

export const registryAuthSchema = {
  type: 'object',
  description:
    'Credentials for the image registry. They reach podman through a 0600 auth file in a private temp directory on the target, removed afterwards; never on a command line.',
  additionalProperties: false,
  required: ['username', 'password'],
  properties: {
    username: { type: 'string', minLength: 1, description: 'Registry user name.' },
    password: { type: 'string', description: 'Registry password or token.' },
  },
} as const;

/** The registry host an image reference points at (podman's rule: a first segment with a dot, a port or "localhost"). */
export function registryOf(ref: string): string {
  const slash = ref.indexOf('/');
  if (slash > 0) {
    const first = ref.slice(0, slash);
    if (first.includes('.') || first.includes(':') || first === 'localhost') return first;
  }
  return 'docker.io';
}


/** Writes a podman auth file (mode 0600) for the image's registry into dir; returns its path. */
export async function writeAuthFile(conn: Connection, dir: string, image: string, auth: RegistryAuth): Promise<string> {
  const path = `${dir}/auth.json`;
  const token = Buffer.from(`${auth.username}:${auth.password}`, 'utf8').toString('base64');
  const body = JSON.stringify({ auths: { [registryOf(image)]: { auth: token } } });
  await conn.writeFile(path, body, { mode: 0o600 });
  return path;
}
