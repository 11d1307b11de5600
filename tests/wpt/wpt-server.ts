// Serves the copied web-platform-tests (tests/wpt/tree) on loopback the way WPT's own server does for the parts
// these tests use: static files, `/interfaces/*.idl` (from @webref/idl, the curated IDL that WPT's interfaces
// folder is synced from), and the generated wrappers of `.any.js` and `.window.js` tests, with their `// META:`
// scripts. Chromium resolves every `*.localhost` name to loopback and treats it as a secure context, so the
// `.https.` tests run here over plain http.

import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const WPT_TREE = path.join(here, 'tree');
const IDL_DIR = path.resolve(here, '../../node_modules/@webref/idl');

export interface WptMeta {
  globals: string[];
  scripts: string[];
  long: boolean;
}

export function readMeta(source: string): WptMeta {
  const meta: WptMeta = { globals: ['window', 'dedicatedworker'], scripts: [], long: false };
  for (const line of source.split('\n')) {
    const m = /^\/\/ META: (\w+)=(.*)$/.exec(line.trim());
    if (!m) continue;
    if (m[1] === 'global') meta.globals = m[2]!.split(',').map((g) => g.trim());
    if (m[1] === 'script') meta.scripts.push(m[2]!.trim());
    if (m[1] === 'timeout' && m[2]!.trim() === 'long') meta.long = true;
  }
  return meta;
}

/** One page the runner loads: a test file in one global. */
export interface WptVariant {
  /** Path of the test file in the tree, e.g. `push-api/idlharness.https.any.js`. */
  file: string;
  global: 'window' | 'serviceworker';
  /** Path of the page to load. */
  url: string;
}

/** The variants of a test file that these runners support (window and service worker; not dedicated/shared workers). */
export function variantsOf(file: string): WptVariant[] {
  const meta = readMeta(fs.readFileSync(path.join(WPT_TREE, file), 'utf8'));
  if (file.endsWith('.window.js')) return [{ file, global: 'window', url: `/${file.replace(/\.js$/, '.html')}` }];
  const out: WptVariant[] = [];
  const base = file.replace(/\.js$/, '');
  if (meta.globals.includes('window')) out.push({ file, global: 'window', url: `/${base}.html` });
  // WPT's `worker` means dedicated, shared and service workers; service workers only in .https. files.
  if ((meta.globals.includes('worker') || meta.globals.includes('serviceworker')) && file.includes('.https.')) {
    out.push({ file, global: 'serviceworker', url: `/${base}.serviceworker.html` });
  }
  return out;
}

const TIMEOUT = (long: boolean) => (long ? '<meta name="timeout" content="long">\n' : '');

function windowWrapper(testPath: string, meta: WptMeta): string {
  const scripts = meta.scripts.map((s) => `<script src="${s}"></script>`).join('\n');
  return `<!doctype html>
<meta charset="utf-8">
${TIMEOUT(meta.long)}<script>self.GLOBAL = { isWindow: () => true, isWorker: () => false, isShadowRealm: () => false };</script>
<script src="/resources/testharness.js"></script>
<script src="/resources/testharnessreport.js"></script>
${scripts}
<div id="log"></div>
<script src="/${testPath}"></script>
`;
}

function serviceWorkerWrapper(testPath: string, meta: WptMeta): string {
  const worker = `/${testPath.replace(/\.js$/, '.worker.js')}`;
  return `<!doctype html>
<meta charset="utf-8">
${TIMEOUT(meta.long)}<script src="/resources/testharness.js"></script>
<script src="/resources/testharnessreport.js"></script>
<div id="log"></div>
<script>
(async function () {
  const scope = 'does/not/exist';
  let reg = await navigator.serviceWorker.getRegistration(scope);
  if (reg) await reg.unregister();
  reg = await navigator.serviceWorker.register(${JSON.stringify(worker)}, { scope });
  fetch_tests_from_worker(reg.installing);
})();
</script>
`;
}

function workerScript(testPath: string, meta: WptMeta): string {
  const dir = path.posix.dirname(`/${testPath}`);
  const abs = (s: string) => (s.startsWith('/') ? s : path.posix.join(dir, s));
  return [
    `self.GLOBAL = { isWindow: () => false, isWorker: () => true, isShadowRealm: () => false };`,
    `importScripts("/resources/testharness.js");`,
    ...meta.scripts.map((s) => `importScripts(${JSON.stringify(abs(s))});`),
    `importScripts(${JSON.stringify(`/${testPath}`)});`,
    `done();`,
    '',
  ].join('\n');
}

const TYPES: Record<string, string> = {
  '.js': 'text/javascript',
  '.html': 'text/html',
  '.idl': 'text/plain',
  '.png': 'image/png',
};

function reply(res: http.ServerResponse, status: number, type: string, body: string | Buffer): void {
  res.writeHead(status, { 'content-type': `${type}; charset=utf-8`, 'cache-control': 'no-store' }).end(body);
}

/** The file under `root` that `urlPath` names, or null when it escapes `root` or does not exist. */
function fileUnder(root: string, urlPath: string): string | null {
  const file = path.join(root, path.normalize(decodeURIComponent(urlPath)));
  if (!file.startsWith(root + path.sep)) return null;
  return fs.existsSync(file) && fs.statSync(file).isFile() ? file : null;
}

/** What testdriver's set_permission does (WPT's server does it through WebDriver; here the runner decides). */
export type SetPermission = (origin: string, name: string, state: string) => Promise<void>;

function setPermission(req: http.IncomingMessage, res: http.ServerResponse, hook: SetPermission): void {
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (c: string) => (body = (body + c).slice(0, 4096)));
  req.on('end', () => {
    // The origin is the page's, from the Host it was served under: never from the body.
    const origin = `http://${req.headers.host ?? ''}`;
    let parsed: { descriptor?: { name?: unknown }; state?: unknown } = {};
    try {
      parsed = JSON.parse(body) as typeof parsed;
    } catch {
      // answered below
    }
    hook(origin, String(parsed.descriptor?.name), String(parsed.state)).then(
      () => reply(res, 200, 'application/json', '{}'),
      (err: unknown) => reply(res, 400, 'text/plain', (err as Error).message),
    );
  });
}

function handle(req: http.IncomingMessage, res: http.ServerResponse, hook: SetPermission): void {
  const p = new URL(req.url ?? '/', 'http://wpt').pathname;
  if (p === '/__wpt__/set_permission' && req.method === 'POST') return setPermission(req, res, hook);
  const idl = /^\/interfaces\/([\w-]+\.idl)$/.exec(p);
  if (idl) {
    const file = fileUnder(IDL_DIR, idl[1]!);
    return file ? reply(res, 200, 'text/plain', fs.readFileSync(file)) : reply(res, 404, 'text/plain', 'no such IDL');
  }
  const generated = /^\/(.+?)(\.any|\.window)(\.serviceworker)?\.(html|worker\.js)$/.exec(p);
  if (generated) {
    const testPath = `${generated[1]}${generated[2]}.js`;
    const source = fileUnder(WPT_TREE, testPath);
    if (source) {
      const meta = readMeta(fs.readFileSync(source, 'utf8'));
      if (generated[4] === 'worker.js') return reply(res, 200, 'text/javascript', workerScript(testPath, meta));
      return reply(
        res,
        200,
        'text/html',
        generated[3] ? serviceWorkerWrapper(testPath, meta) : windowWrapper(testPath, meta),
      );
    }
  }
  const file = fileUnder(WPT_TREE, p);
  if (!file) return reply(res, 404, 'text/plain', 'not found');
  reply(res, 200, TYPES[path.extname(file)] ?? 'application/octet-stream', fs.readFileSync(file));
}

export interface WptServer {
  port: number;
  close(): Promise<void>;
}

export function startWptServer(hook: SetPermission): Promise<WptServer> {
  const server = http.createServer((req, res) => handle(req, res, hook));
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        port: (server.address() as AddressInfo).port,
        close: () => {
          const closed = new Promise<void>((r) => server.close(() => r()));
          server.closeAllConnections();
          return closed;
        },
      }),
    ),
  );
}
