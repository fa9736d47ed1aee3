/** /health/instance in Quay's JSON shape: 200 only when every service is fine, else 503 naming what failed. */
import { checkClair, checkDatabase, checkRedis, checkStorage, type CheckResult } from './checks.ts';
import type { QuayConfig } from './config.ts';

export interface HealthReport {
  status: 200 | 503;
  body: { data: { services: Record<string, boolean>; failures: Record<string, string> }; status_code: 200 | 503 };
}

export async function instanceHealth(config: QuayConfig): Promise<HealthReport> {
  const checks: Record<string, Promise<CheckResult> | CheckResult> = {
    database: checkDatabase(config.DB_URI),
    redis: checkRedis(config),
    storage: checkStorage(config),
  };
  if (config.FEATURE_SECURITY_SCANNER) checks.security_scanner = checkClair(config);
  const services: Record<string, boolean> = {};
  const failures: Record<string, string> = {};
  for (const [name, pending] of Object.entries(checks)) {
    const problem = await pending;
    services[name] = problem === null;
    if (problem !== null) failures[name] = problem;
  }
  const status = Object.keys(failures).length ? 503 : 200;
  return { status, body: { data: { services, failures }, status_code: status } };
}
