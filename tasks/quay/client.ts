import { readFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import { TaskError } from '../../engine/errors.ts';
import type { JsonSchema } from '../../engine/task.ts';
import { isPlainObject } from '../../engine/values.ts';

/** How to reach Quay's API. The calls run on the controller, not on the target host. */
export interface QuayEndpoint {
  url: string;
  caFile?: string;
  caPem?: string;
  validateCerts: boolean;
}

export interface QuayResponse {
  status: number;
  /** Parsed JSON, or null for an empty / non-JSON body. */
  body: unknown;
  text: string;
}

export interface QuayRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  body?: unknown;
  /** Overrides the bearer token, e.g. Basic auth for the registry's /v2/auth. */
  authorization?: string | null;
}

const REQUEST_TIMEOUT_MS = 30_000;

/** Schema properties shared by every quay* task (spread into each task's `properties`). */
export const quayEndpointProperties: Record<string, JsonSchema> = {
  url: {
    type: 'string',
    pattern: '^https?://[^/\\s]+',
    description:
      "Quay's base URL, e.g. https://quay-server.example.com. The API is called from the controller (the machine running tackle), not from the target host.",
  },
  caFile: {
    type: 'string',
    minLength: 1,
    description:
      "Path ON THE CONTROLLER of a PEM CA bundle that signed Quay's certificate (e.g. the CA a genCA task wrote). Used instead of the system trust store.",
  },
  caPem: {
    type: 'string',
    minLength: 1,
    description: 'PEM text of the CA that signed Quay\'s certificate, as an alternative to caFile.',
  },
  validateCerts: {
    type: 'boolean',
    default: true,
    description: "Verify Quay's TLS certificate and host name. Turn off only for a throwaway lab.",
  },
};

/** Failure of one API call: names the method, URL and status, never the token. */
export class QuayApiError extends TaskError {
  override name = 'QuayApiError';
  constructor(
    readonly method: string,
    readonly url: string,
    readonly status: number,
    detail: string,
  ) {
    super(`Quay ${method} ${url} answered ${status}${hintFor(status)}${detail ? `: ${detail}` : ''}`);
  }
}

function hintFor(status: number): string {
  if (status === 401) return ' (unauthorized: the token is missing, wrong or expired)';
  if (status === 403) return ' (forbidden: the token lacks the needed scope, e.g. super:user or org:admin)';
  return '';
}

/** The message Quay put in an error body, in whichever field this endpoint uses. */
export function quayErrorDetail(res: QuayResponse): string {
  if (isPlainObject(res.body)) {
    for (const key of ['detail', 'message', 'error_message', 'error_description', 'error']) {
      const v = res.body[key];
      if (typeof v === 'string' && v) return v;
    }
  }
  return res.text.trim().slice(0, 200);
}

export class QuayClient {
  readonly baseUrl: string;

  private constructor(
    baseUrl: string,
    private readonly token: string | undefined,
    private readonly tls: { ca?: string; rejectUnauthorized: boolean },
  ) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
  }

  /** Reads caFile (on the controller) once; throws a TaskError when it cannot. */
  static async create(endpoint: QuayEndpoint, token?: string): Promise<QuayClient> {
    let ca = endpoint.caPem;
    if (endpoint.caFile) {
      try {
        ca = await readFile(endpoint.caFile, 'utf8');
      } catch (error) {
        throw new TaskError(`cannot read caFile ${endpoint.caFile} on the controller: ${(error as Error).message}`);
      }
    }
    return new QuayClient(endpoint.url, token, { ca, rejectUnauthorized: endpoint.validateCerts });
  }

  /** Any HTTP status resolves; only transport failures throw (as TaskError naming the URL). */
  request(req: QuayRequest): Promise<QuayResponse> {
    const url = this.baseUrl + req.path;
    const payload = req.body === undefined ? undefined : JSON.stringify(req.body);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (payload !== undefined) headers['content-type'] = 'application/json';
    const authorization = req.authorization === undefined ? this.bearer() : req.authorization;
    if (authorization) headers.authorization = authorization;

    const isHttps = url.startsWith('https:');
    const options: https.RequestOptions = { method: req.method, headers, timeout: REQUEST_TIMEOUT_MS };
    if (isHttps) {
      options.ca = this.tls.ca;
      options.rejectUnauthorized = this.tls.rejectUnauthorized;
    }
    return new Promise((resolve, reject) => {
      const request = (isHttps ? https : http).request(url, options, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (e) => reject(this.transportError(req.method, url, e)));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, body: parseJson(text), text });
        });
      });
      request.on('timeout', () => request.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS / 1000} s`)));
      request.on('error', (e) => reject(this.transportError(req.method, url, e)));
      request.end(payload);
    });
  }

  /** request(), then throw QuayApiError unless the status is one of `ok`. */
  async expect(req: QuayRequest, ok: readonly number[]): Promise<QuayResponse> {
    const res = await this.request(req);
    if (!ok.includes(res.status)) throw this.apiError(req, res);
    return res;
  }

  apiError(req: QuayRequest, res: QuayResponse): QuayApiError {
    return new QuayApiError(req.method, this.baseUrl + req.path, res.status, quayErrorDetail(res));
  }

  private bearer(): string | undefined {
    return this.token ? `Bearer ${this.token}` : undefined;
  }

  private transportError(method: string, url: string, error: Error): TaskError {
    const code = (error as NodeJS.ErrnoException).code;
    const hint = code && /CERT|SELF_SIGNED|UNABLE_TO|HOSTNAME|ERR_TLS/.test(code) ? ' (set caFile or caPem to the CA that signed Quay\'s certificate)' : '';
    return new TaskError(`cannot reach Quay: ${method} ${url}: ${code ? `${code}: ` : ''}${error.message}${hint}`);
  }
}

function parseJson(text: string): unknown {
  if (!text.trim()) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

/** Path segment escaping for namespace, repository and robot names. */
export function seg(value: string): string {
  return encodeURIComponent(value);
}
