import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const CHROMIUM = '/usr/bin/chromium';

/** Headless, offline, and leaving nothing behind: each call gets a fresh profile that is removed after. */
const QUIET_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
  '--hide-scrollbars',
];

export function requireChromium(): void {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: install Debian's package 'chromium' (apt-get install chromium)`);
}

async function withProfile<T>(body: (flags: string[]) => Promise<T>): Promise<T> {
  requireChromium();
  const profile = await mkdtemp(join(tmpdir(), 'tackle-chromium-'));
  try {
    return await body([...QUIET_FLAGS, `--user-data-dir=${profile}`]);
  } finally {
    await rm(profile, { recursive: true, force: true });
  }
}

/** The page's DOM after Chromium loaded and laid it out, as --dump-dom prints it. */
export function dumpDom(htmlFile: string): Promise<string> {
  return withProfile(async (flags) => (await run(CHROMIUM, [...flags, '--dump-dom', pathToFileURL(htmlFile).href], { maxBuffer: 64 * 1024 * 1024, timeout: 120_000 })).stdout);
}

/** A PNG screenshot of the page as Chromium renders it at WIDTH x HEIGHT. */
export function screenshot(htmlFile: string, pngFile: string, width = 1280, height = 2000): Promise<Buffer> {
  return withProfile(async (flags) => {
    await run(CHROMIUM, [...flags, `--screenshot=${pngFile}`, `--window-size=${width},${height}`, pathToFileURL(htmlFile).href], { timeout: 120_000 });
    return readFile(pngFile);
  });
}

/** A PDF of the page as Chromium prints it (the print stylesheet applies). */
export function printToPdf(htmlFile: string, pdfFile: string): Promise<Buffer> {
  return withProfile(async (flags) => {
    await run(CHROMIUM, [...flags, `--print-to-pdf=${pdfFile}`, '--no-pdf-header-footer', pathToFileURL(htmlFile).href], { timeout: 120_000 });
    return readFile(pdfFile);
  });
}

/** The text a reader sees: the body of a dumped DOM without tags, style and entities. */
export function visibleText(dom: string): string {
  const body = dom.replace(/<style[\s\S]*?<\/style>/gi, '').replace(/<head[\s\S]*?<\/head>/i, '');
  return body
    .replace(/<[^>]+>/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&nbsp;/g, ' ')
    .replace(/&middot;/g, '·')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ');
}

/** Width and height from a PNG's IHDR chunk; throws when the bytes are not a PNG. */
export function pngSize(png: Buffer): { width: number; height: number } {
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  if (png.length < 24 || !png.subarray(0, 8).equals(signature) || png.toString('latin1', 12, 16) !== 'IHDR') throw new Error('not a PNG file');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}
