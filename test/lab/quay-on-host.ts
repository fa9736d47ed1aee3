/** What an operator looks at on a lab host running the flagship: Quay's health, its units and containers. */
import assert from 'node:assert/strict';
import { sleep } from '../../lab/sh.ts';
import { onHost } from './lab-fleet.ts';

export const QUAY_ROOT = '/srv/quay';
export const QUAY_CONFIG = `${QUAY_ROOT}/config/config.yaml`;
export const CONTAINERS = ['redis', 'postgresql-quay', 'postgresql-clairv4', 'clairv4', 'quay', 'mirroring-worker'];
export const UNITS = CONTAINERS.map((c) => `container-${c}.service`);

/** Quay's /health/instance over HTTPS inside the host, verified with our CA. */
export async function quayHealth(container: string): Promise<{ code: number; body: string }> {
  const r = await onHost(container, `curl -sS --cacert ${QUAY_ROOT}/ca/rootCA.pem -o /dev/stdout -w '\\n%{http_code}' "https://$(hostname)/health/instance"`);
  const lines = r.out.trim().split('\n');
  const code = Number(lines.pop());
  return { code, body: code ? lines.join('\n') : r.err };
}

export async function waitHealthy(container: string, timeoutMs: number): Promise<{ code: number; body: string }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const h = await quayHealth(container);
    if (h.code === 200 || Date.now() > deadline) return h;
    await sleep(2000);
  }
}

export function assertAllServicesTrue(body: string, host: string): void {
  const services = (JSON.parse(body) as { data: { services: Record<string, boolean> } }).data.services;
  assert.ok(Object.keys(services).length > 0, `${host}: no services in ${body}`);
  for (const [name, ok] of Object.entries(services)) assert.equal(ok, true, `${host}: ${name} is not healthy: ${body}`);
}

export const startedAt = async (host: string, container: string) => (await onHost(host, `podman inspect --format '{{.State.StartedAt}}' ${container}`)).out.trim();

/**
 * When each unit last became active and each container started (with its ID), one line each:
 * equal snapshots mean nothing was restarted or re-created in between.
 */
export async function restartSnapshot(host: string): Promise<string[]> {
  const units = UNITS.map((u) => `printf '%s %s\\n' ${u} "$(systemctl show -p ActiveEnterTimestamp --value ${u})"`).join('; ');
  const containers = `podman ps -aq | xargs -r podman inspect --format '{{.Name}} {{.Id}} {{.State.StartedAt}}'`;
  const r = await onHost(host, `${units}; ${containers}`);
  assert.equal(r.code, 0, `${host}: ${r.err}`);
  return r.out.trim().split('\n').sort();
}

/** The state of one container's unit and the container itself, as systemctl and podman say. */
export async function unitAndContainer(host: string, name: string): Promise<{ unit: string; container: string }> {
  const unit = (await onHost(host, `systemctl is-active container-${name}.service`)).out.trim();
  const r = await onHost(host, `podman container inspect --format '{{.State.Status}}' ${name}`);
  return { unit, container: r.code === 0 ? r.out.trim() : 'absent' };
}

/** The value of one top-level key of Quay's config.yaml on the host, as the file says it. */
export async function quayConfigValue(host: string, key: string): Promise<string | undefined> {
  const text = (await onHost(host, `cat ${QUAY_CONFIG}`)).out;
  return new RegExp(`^${key}: (.*)$`, 'm').exec(text)?.[1];
}

/** An operator's hand edit of one top-level key of Quay's config.yaml. */
export async function editQuayConfig(host: string, key: string, value: string): Promise<void> {
  const r = await onHost(host, `sed -i 's/^${key}: .*/${key}: ${value}/' ${QUAY_CONFIG}`);
  assert.equal(r.code, 0, `${host}: ${r.err}`);
  assert.equal(await quayConfigValue(host, key), value, `${host}: the edit took`);
}
