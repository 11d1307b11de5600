// The architecture's one table (docs/architecture.md, "Runtimes and the one rule"): every folder is a layer that runs
// in one runtime and may import only the layers it lists, and every package is classified by the runtimes it may run
// in. The ESLint rule below enforces both: an import the table does not allow fails lint, and so does a package the
// table does not list (a new dependency must say where it may run before anything can import it).
import path from 'node:path';
import { builtinModules } from 'node:module';
import type { Rule } from 'eslint';

type Runtime = 'web' | 'electron-sandbox' | 'node' | 'electron-main' | 'dev';

/**
 * Runtimes: `web` (a sandboxed page or worker: web APIs only), `electron-sandbox` (a sandboxed preload: web APIs and
 * `electron`'s contextBridge/ipcRenderer), `node` (plain Node), `electron-main` (Node and Electron's main-process
 * APIs), `dev` (tests, benchmarks, build scripts: anything listed).
 */
export const LAYERS: Record<string, { runs: Runtime; may: string[] | '*' }> = {
  'src/shared': { runs: 'web', may: [] },
  'src/engine': { runs: 'node', may: ['src/shared'] },
  'src/push-service': { runs: 'node', may: ['src/shared'] },
  'src/host': { runs: 'node', may: ['src/shared', 'src/engine'] },
  'src/chromium-host': { runs: 'node', may: ['src/shared', 'src/engine', 'src/host'] },
  'src/cli': { runs: 'node', may: ['src/shared', 'src/engine', 'src/host', 'src/chromium-host', 'src/push-service'] },
  'src/main': { runs: 'electron-main', may: ['src/shared', 'src/engine', 'src/host', 'src/push-service'] },
  'src/preload': { runs: 'electron-sandbox', may: ['src/shared'] },
  'src/renderer': { runs: 'web', may: ['src/shared'] },
  'src/page': { runs: 'web', may: ['src/shared'] },
  'src/worker': { runs: 'web', may: ['src/shared'] },
  tools: { runs: 'dev', may: ['src/shared', 'src/push-service'] },
  tests: { runs: 'dev', may: '*' },
  bench: { runs: 'dev', may: '*' },
  scripts: { runs: 'dev', may: '*' },
  build: { runs: 'dev', may: '*' },
  lint: { runs: 'dev', may: '*' },
};

/** Every package, by the runtimes it may be imported in (`dev` is implied for all). */
export const PACKAGES: Record<string, Runtime[]> = {
  // Runtime dependencies: Node only.
  ws: ['node', 'electron-main'],
  http_ece: ['node', 'electron-main'],
  'web-push': ['node', 'electron-main'],
  '@homebridge/dbus-native': ['node', 'electron-main'],
  'https-proxy-agent': ['node', 'electron-main'],
  'agent-base': ['node', 'electron-main'],
  'proxy-from-env': ['node', 'electron-main'],
  // The DevTools-protocol client of the Chromium host (src/chromium-host), and the protocol's types.
  'chrome-remote-interface': ['node'],
  'devtools-protocol': ['node'],
  // The Electron app only.
  electron: ['electron-main', 'electron-sandbox'],
  'electron-store': ['electron-main'],
  'rotating-file-stream': ['electron-main'],
  // Bundled into the site preload by scripts/build.ts (src/page compiled to a string).
  'push-agent:page-script': ['electron-sandbox'],
  // Bundled into the service-worker preload by scripts/build.ts (src/worker/service-worker-script.ts as a function).
  'push-agent:service-worker-script': ['electron-sandbox'],
  // Development only: tests, benchmarks, build and packaging.
  'playwright-core': [],
  esbuild: [],
  'fast-check': [],
  typescript: [],
  'typescript-eslint': [],
  eslint: [],
  // The formatter (`npm run format`; `npm test` checks it).
  prettier: [],
  'axe-core': [],
  // Test sites and the conformance runner: a Workbox app shell, the web platform's IDL.
  'workbox-precaching': [],
  'workbox-routing': [],
  'workbox-strategies': [],
  '@webref/idl': [],
  '@electron/fuses': [],
  'electron-builder': [],
  // Come with electron-builder: the packaging test reads its deb template and validates electron-builder.yml.
  'app-builder-lib': [],
  'js-yaml': [],
};

const NODE_BUILTINS = new Set(builtinModules);
const RUNTIMES_WITH_NODE = new Set<Runtime>(['node', 'electron-main', 'dev']);
const ROOT = path.resolve(import.meta.dirname, '..');

/** The layer a repository path belongs to: the longest matching folder, or the root's build files (dev). */
export function layerOf(relPath: string): string | null {
  const p = relPath.split(path.sep).join('/');
  let best: string | null = null;
  for (const dir of Object.keys(LAYERS)) {
    if ((p === dir || p.startsWith(dir + '/')) && (!best || dir.length > best.length)) best = dir;
  }
  return best;
}

function packageName(spec: string): string {
  if (spec.startsWith('push-agent:')) return spec;
  const parts = spec.split('/');
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

/** Why `spec`, imported by the file at `relPath`, breaks the table; null when it may. */
export function importProblem(relPath: string, spec: string): string | null {
  const from = layerOf(relPath);
  const own: { runs: Runtime; may: string[] | '*' } = from ? LAYERS[from]! : { runs: 'dev', may: '*' };
  const where = from ?? relPath;
  if (spec.startsWith('.') || spec.startsWith('/')) {
    const target = path
      .relative(ROOT, path.resolve(ROOT, path.dirname(relPath), spec))
      .split(path.sep)
      .join('/');
    const to = layerOf(target);
    if (!to || to === from || own.may === '*' || own.may.includes(to)) return null;
    return `${where} may not import ${to} (allowed: ${own.may.length ? own.may.join(', ') : 'nothing outside itself'})`;
  }
  const bare = spec.startsWith('node:') ? spec.slice(5) : spec;
  if (spec.startsWith('node:') || NODE_BUILTINS.has(bare.split('/')[0]!)) {
    return RUNTIMES_WITH_NODE.has(own.runs) ? null : `${where} runs in ${own.runs}: no Node module ('${spec}')`;
  }
  const name = packageName(spec);
  const runsIn = PACKAGES[name];
  if (!runsIn) return `package '${name}' is not classified in lint/layers.ts: say in which runtimes it may run`;
  if (own.runs === 'dev' || runsIn.includes(own.runs)) return null;
  return `${where} runs in ${own.runs}; '${name}' may run only in ${runsIn.length ? runsIn.join(', ') : 'development code'}`;
}

/** The ESLint rule: every static import, re-export, dynamic import() and require() of a literal. */
const importsRule: Rule.RuleModule = {
  meta: { type: 'problem', schema: [], docs: { description: 'imports follow the layer table in lint/layers.ts' } },
  create(context) {
    const relPath = path.relative(ROOT, context.filename);
    const check = (node: Rule.Node, source: unknown) => {
      const value = (source as { type?: string; value?: unknown } | null)?.value;
      if (typeof value !== 'string') return;
      const problem = importProblem(relPath, value);
      if (problem) context.report({ node, message: problem });
    };
    return {
      ImportDeclaration: (n) => check(n, n.source),
      ExportNamedDeclaration: (n) => check(n, n.source),
      ExportAllDeclaration: (n) => check(n, n.source),
      ImportExpression: (n) => check(n, n.source),
      CallExpression: (n) => {
        if (n.callee.type === 'Identifier' && n.callee.name === 'require' && n.arguments[0]?.type === 'Literal')
          check(n, n.arguments[0]);
      },
    };
  },
};

export const layersPlugin = { rules: { imports: importsRule } };
