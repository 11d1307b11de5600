// Static checks of the Electron configuration in the spirit of Electronegativity (issue 9): src/main/*.ts is parsed
// with the TypeScript compiler API and every rule below must hold. The Electron binary cannot run here, so this is
// how the wiring's security settings are kept true. Each rule is also run on a deliberately bad snippet, so a test
// proves the checker can fail. The request routers behind `protocol.handle` are unit-tested (and fuzzed) for path
// traversal, since the static check can only see that the handlers go through them.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import ts from 'typescript';
import { SETTINGS_CSP, settingsAsset } from '../../../src/main/app-assets.ts';

const MAIN_DIR = fileURLToPath(new URL('../../../src/main/', import.meta.url));
const RENDERER_HTML = fileURLToPath(new URL('../../../src/renderer/settings.html', import.meta.url));

type Rule = 'web-preferences' | 'navigation' | 'open-external' | 'ipc' | 'csp' | 'permissions' | 'protocol';
interface Finding {
  rule: Rule;
  file: string;
  message: string;
}
type Sources = Record<string, string>;

// ---- the checker ----

function parse(file: string, text: string): ts.SourceFile {
  return ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
}

function walk(node: ts.Node, visit: (n: ts.Node) => void): void {
  visit(node);
  node.forEachChild((c) => walk(c, visit));
}

function calls(sf: ts.SourceFile): ts.CallExpression[] {
  const out: ts.CallExpression[] = [];
  walk(sf, (n) => {
    if (ts.isCallExpression(n)) out.push(n);
  });
  return out;
}

/** `a.b.c(...)` -> 'a.b.c'; `this.#x(...)` -> 'this.#x'; anything else -> its text. */
function callee(call: ts.CallExpression): string {
  return call.expression.getText();
}

function method(call: ts.CallExpression): string | null {
  return ts.isPropertyAccessExpression(call.expression) ? call.expression.name.text : null;
}

function prop(obj: ts.ObjectLiteralExpression, name: string): ts.ObjectLiteralElementLike | undefined {
  return obj.properties.find((p) => p.name !== undefined && p.name.getText() === name);
}

function literal(p: ts.ObjectLiteralElementLike | undefined): string | undefined {
  return p && ts.isPropertyAssignment(p) ? p.initializer.getText() : p ? '<non-literal>' : undefined;
}

function enclosingFunction(node: ts.Node): ts.Node {
  let n: ts.Node | undefined = node.parent;
  while (n && !ts.isFunctionLike(n) && !ts.isSourceFile(n)) n = n.parent;
  return n ?? node.getSourceFile();
}

function declarationOf(name: string, scope: ts.Node): ts.VariableDeclaration | undefined {
  let found: ts.VariableDeclaration | undefined;
  walk(scope, (n) => {
    if (!found && ts.isVariableDeclaration(n) && ts.isIdentifier(n.name) && n.name.text === name) found = n;
  });
  return found;
}

function newBrowserWindows(sf: ts.SourceFile): ts.NewExpression[] {
  const out: ts.NewExpression[] = [];
  walk(sf, (n) => {
    if (ts.isNewExpression(n) && n.expression.getText() === 'BrowserWindow') out.push(n);
  });
  return out;
}

function webPreferencesOf(win: ts.NewExpression): ts.ObjectLiteralExpression | null | 'missing' {
  const arg = win.arguments?.[0];
  if (!arg || !ts.isObjectLiteralExpression(arg)) return null;
  const wp = prop(arg, 'webPreferences');
  if (!wp) return 'missing';
  return ts.isPropertyAssignment(wp) && ts.isObjectLiteralExpression(wp.initializer) ? wp.initializer : null;
}

export function checkElectronConfig(sources: Sources): Finding[] {
  const findings: Finding[] = [];
  const add = (rule: Rule, file: string, message: string) => findings.push({ rule, file, message });
  const parsed = Object.entries(sources).map(([file, text]) => ({ file, sf: parse(file, text) }));
  let defaultSessionWindows = 0;
  let defaultSessionGuarded = { request: false, check: false };

  for (const { file, sf } of parsed) {
    const windows = newBrowserWindows(sf);
    const fileCalls = calls(sf);

    // web-preferences: every window is sandboxed and isolated, without the switches that undo it.
    for (const win of windows) {
      const wp = webPreferencesOf(win);
      if (wp === null || wp === 'missing') {
        add('web-preferences', file, 'new BrowserWindow needs a literal options object with literal webPreferences');
        if (wp === 'missing') defaultSessionWindows++;
        continue;
      }
      if (wp.properties.some((p) => ts.isSpreadAssignment(p)))
        add('web-preferences', file, 'webPreferences must not be spread (it cannot be checked)');
      if (literal(prop(wp, 'sandbox')) !== 'true') add('web-preferences', file, 'sandbox must be true');
      if (literal(prop(wp, 'contextIsolation')) !== 'true')
        add('web-preferences', file, 'contextIsolation must be true');
      for (const off of ['nodeIntegration', 'nodeIntegrationInWorker', 'nodeIntegrationInSubFrames', 'webviewTag']) {
        const v = literal(prop(wp, off));
        if (v !== undefined && v !== 'false') add('web-preferences', file, `${off} must be false or absent`);
      }
      const webSecurity = literal(prop(wp, 'webSecurity'));
      if (webSecurity !== undefined && webSecurity !== 'true')
        add('web-preferences', file, 'webSecurity must not be turned off');
      for (const banned of [
        'allowRunningInsecureContent',
        'experimentalFeatures',
        'enableBlinkFeatures',
        'partition',
      ]) {
        if (prop(wp, banned))
          add(banned === 'partition' ? 'permissions' : 'web-preferences', file, `${banned} must not be set`);
      }
      if (!prop(wp, 'session')) defaultSessionWindows++;
    }

    // navigation: each window's contents limit navigation and window.open.
    if (windows.length > 0) {
      const navigates = fileCalls.filter(
        (c) => method(c) === 'on' && c.arguments[0]?.getText() === "'will-navigate'",
      ).length;
      const opens = fileCalls.filter((c) => method(c) === 'setWindowOpenHandler').length;
      if (navigates < windows.length)
        add('navigation', file, `${windows.length} window(s) but ${navigates} will-navigate handler(s)`);
      if (opens < windows.length)
        add('navigation', file, `${windows.length} window(s) but ${opens} setWindowOpenHandler call(s)`);
    }

    for (const call of fileCalls) {
      const name = callee(call);

      // open-external: only URLs that came out of url-policy, in the same function.
      if (name === 'shell.openExternal') {
        const arg = call.arguments[0];
        const scope = enclosingFunction(call);
        let ok = false;
        if (arg && ts.isIdentifier(arg)) {
          const init = declarationOf(arg.text, scope)?.initializer;
          ok = !!init && ts.isCallExpression(init) && init.expression.getText() === 'externalUrl';
        } else if (
          arg &&
          ts.isPropertyAccessExpression(arg) &&
          arg.name.text === 'url' &&
          ts.isIdentifier(arg.expression)
        ) {
          const init = declarationOf(arg.expression.text, scope)?.initializer;
          ok = !!init && ts.isCallExpression(init) && init.expression.getText() === 'decideNavigation';
        }
        const importsPolicy = sf.statements.some(
          (s) => ts.isImportDeclaration(s) && s.moduleSpecifier.getText().includes('url-policy'),
        );
        if (!ok || !importsPolicy)
          add('open-external', file, `shell.openExternal(${arg?.getText() ?? ''}) is not a url-policy result`);
      }

      // ipc: listeners only in the hub, and each of the hub's listeners checks its sender frame.
      const m = method(call);
      if (m && ['handle', 'handleOnce', 'on', 'once', 'addListener', 'prependListener'].includes(m)) {
        const receiver = (call.expression as ts.PropertyAccessExpression).expression.getText();
        const channelArg = call.arguments[0]?.getText() ?? '';
        const isIpc = receiver === 'ipcMain' || receiver === 'ipc' || channelArg.startsWith('IpcChannel.');
        if (isIpc && path.basename(file) !== 'ipc-hub.ts')
          add('ipc', file, `${receiver}.${m}(${channelArg}) outside the IPC hub`);
        else if (isIpc) {
          const handler = call.arguments[1];
          const target =
            handler && ts.isArrowFunction(handler) && ts.isCallExpression(handler.body)
              ? handler.body.expression.getText().replace(/^this\./, '')
              : null;
          // The method the listener calls must check the sender frame, itself or through one helper it calls.
          const checks = (name: string | null, depth: number): boolean => {
            if (!name || depth > 2) return false;
            let ok = false;
            walk(sf, (n) => {
              if (
                !ok &&
                (ts.isMethodDeclaration(n) || ts.isFunctionDeclaration(n)) &&
                n.name?.getText() === name &&
                n.body
              ) {
                const body = n.body.getText();
                if (
                  body.includes('senderFrame') &&
                  /is(SettingsFrame|WorkerHostFrame|SameOrigin)\(/.test(body) &&
                  /isMainFrame\(/.test(body)
                )
                  ok = true;
                else
                  for (const [, helper] of body.matchAll(/this\.(#?\w+)\(event\)/g))
                    if (checks(helper!, depth + 1)) ok = true;
              }
            });
            return ok;
          };
          const checked = checks(target, 0);
          if (!checked)
            add('ipc', file, `${receiver}.${m}(${channelArg}) does not go through a sender-checking method`);
        }
      }

      // permissions: every session made here denies by default.
      if (name === 'session.fromPartition') {
        const scope = enclosingFunction(call);
        const decl =
          call.parent && ts.isVariableDeclaration(call.parent) && ts.isIdentifier(call.parent.name)
            ? call.parent.name.text
            : null;
        const set = (what: string) =>
          decl !== null &&
          calls(scope.getSourceFile()).some((c) => enclosingFunction(c) === scope && callee(c) === `${decl}.${what}`);
        if (!set('setPermissionRequestHandler'))
          add('permissions', file, 'a session from fromPartition has no setPermissionRequestHandler');
        if (!set('setPermissionCheckHandler'))
          add('permissions', file, 'a session from fromPartition has no setPermissionCheckHandler');
      }
      if (name === 'session.defaultSession.setPermissionRequestHandler')
        defaultSessionGuarded = { ...defaultSessionGuarded, request: true };
      if (name === 'session.defaultSession.setPermissionCheckHandler')
        defaultSessionGuarded = { ...defaultSessionGuarded, check: true };

      // protocol: handlers serve only through the pure routers, never file:// or a path built from the request.
      if (m === 'handle' && /protocol$/.test((call.expression as ts.PropertyAccessExpression).expression.getText())) {
        const body = call.arguments[1]?.getText() ?? '';
        if (!/settingsAsset\(/.test(body)) add('protocol', file, 'protocol.handle does not route through app-assets');
        // A site's session loads from the network as a browser does: a handler there would re-fetch the site's
        // requests in main (redirects followed there, CORS bypassed, will-redirect never fired).
        if ((call.expression as ts.PropertyAccessExpression).expression.getText() !== 'protocol')
          add('protocol', file, "a session's protocol.handle intercepts the site's own requests");
        if (
          /file:|pathToFileURL|request\.url\s*\)?\s*[,)]\s*.*readFile|readFile\(\s*(request|new URL)/.test(body) ||
          /net\.fetch\(\s*['"`]file/.test(body)
        )
          add('protocol', file, 'protocol.handle reads a path taken from the request');
      }
    }
  }
  if (defaultSessionWindows > 0 && !(defaultSessionGuarded.request && defaultSessionGuarded.check)) {
    add(
      'permissions',
      '(default session)',
      `${defaultSessionWindows} window(s) use the default session, which has no permission request/check handler`,
    );
  }
  return findings;
}

/** The settings CSP: nothing inline, no eval, no network, no framing. */
export function checkCsp(csp: string): string[] {
  const problems: string[] = [];
  const directives = new Map(
    csp
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter((d) => d[0])
      .map(([k, ...v]) => [k!.toLowerCase(), v] as const),
  );
  const has = (k: string, v: string) => directives.get(k)?.includes(v) ?? false;
  if (!has('default-src', "'none'")) problems.push("default-src must be 'none'");
  const script = directives.get('script-src') ?? directives.get('default-src') ?? [];
  if (
    script.some((v) =>
      ["'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'", '*', 'data:', 'http:', 'https:'].includes(v),
    )
  )
    problems.push('script-src allows inline, eval or remote code');
  if (!has('base-uri', "'none'")) problems.push("base-uri must be 'none'");
  if (!has('form-action', "'none'")) problems.push("form-action must be 'none'");
  const connect = directives.get('connect-src') ?? directives.get('default-src') ?? [];
  if (!connect.every((v) => v === "'none'"))
    problems.push('connect-src must be none (the renderer talks only through the preload)');
  return problems;
}

function mainSources(): Sources {
  const out: Sources = {};
  for (const name of fs.readdirSync(MAIN_DIR))
    if (name.endsWith('.ts')) out[name] = fs.readFileSync(path.join(MAIN_DIR, name), 'utf8');
  return out;
}

const byRule = (findings: Finding[], rule: Rule) => findings.filter((f) => f.rule === rule);

// ---- the real configuration ----

describe('Electron configuration of src/main', () => {
  const sources = mainSources();
  const findings = checkElectronConfig(sources);

  test('the checker sees the app: at least the settings and site windows and the hub', () => {
    const windows = Object.values(sources).reduce((n, text) => n + newBrowserWindows(parse('x.ts', text)).length, 0);
    assert.ok(windows >= 2, `found ${windows} BrowserWindow(s)`);
    assert.ok(sources['ipc-hub.ts']?.includes('ipc.handle'), 'the hub registers its channels');
  });

  for (const rule of ['web-preferences', 'navigation', 'open-external', 'ipc', 'permissions', 'protocol'] as const) {
    test(`rule ${rule}: no findings`, () => {
      assert.deepEqual(byRule(findings, rule), []);
    });
  }

  test('rule csp: the settings scheme serves a strict CSP header and the page carries the same policy', () => {
    assert.deepEqual(checkCsp(SETTINGS_CSP), []);
    const asset = settingsAsset('push-agent://settings/settings.html', '/r');
    assert.equal(asset?.headers['content-security-policy'], SETTINGS_CSP);
    assert.equal(asset?.headers['x-frame-options'], 'DENY');
    const meta = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(
      fs.readFileSync(RENDERER_HTML, 'utf8'),
    );
    assert.ok(meta, 'settings.html has a CSP meta tag');
    assert.deepEqual(checkCsp(meta[1]!), []);
    assert.match(sources['settings-window.ts'] ?? '', /protocol\.handle\(APP_SCHEME/);
  });
});

// ---- the checker can fail: one bad snippet per rule ----

describe('the checker flags bad configurations', () => {
  const goodWindow = `import { BrowserWindow, shell, session } from 'electron';
import { externalUrl } from './url-policy.ts';
export function make() {
  const ses = session.fromPartition('x');
  ses.setPermissionRequestHandler((_w, _p, cb) => cb(false));
  ses.setPermissionCheckHandler(() => false);
  const win = new BrowserWindow({ webPreferences: { session: ses, sandbox: true, contextIsolation: true } });
  win.webContents.on('will-navigate', (e) => e.preventDefault());
  win.webContents.setWindowOpenHandler(() => ({ action: 'deny' }));
}`;

  test('a clean snippet has no findings (the bad ones below differ only in what they break)', () => {
    assert.deepEqual(checkElectronConfig({ 'w.ts': goodWindow }), []);
  });

  const cases: Array<[Rule, string, string]> = [
    ['web-preferences', 'sandbox off', goodWindow.replace('sandbox: true', 'sandbox: false')],
    [
      'web-preferences',
      'contextIsolation missing',
      goodWindow.replace('contextIsolation: true', 'nodeIntegration: false'),
    ],
    [
      'web-preferences',
      'nodeIntegration on',
      goodWindow.replace('sandbox: true', 'sandbox: true, nodeIntegration: true'),
    ],
    ['web-preferences', 'webSecurity off', goodWindow.replace('sandbox: true', 'sandbox: true, webSecurity: false')],
    [
      'web-preferences',
      'allowRunningInsecureContent',
      goodWindow.replace('sandbox: true', 'sandbox: true, allowRunningInsecureContent: true'),
    ],
    [
      'web-preferences',
      'experimentalFeatures',
      goodWindow.replace('sandbox: true', 'sandbox: true, experimentalFeatures: true'),
    ],
    ['web-preferences', 'spread preferences', goodWindow.replace('sandbox: true', '...prefs, sandbox: true')],
    ['navigation', 'no will-navigate', goodWindow.replace(/.*will-navigate.*\n/, '')],
    ['navigation', 'no setWindowOpenHandler', goodWindow.replace(/.*setWindowOpenHandler.*\n/, '')],
    [
      'open-external',
      'raw URL to openExternal',
      `${goodWindow}\nexport function go(url: string) { void shell.openExternal(url); }`,
    ],
    [
      'open-external',
      'openExternal of a checked URL without the import',
      goodWindow.replace("import { externalUrl } from './url-policy.ts';", '') +
        '\nexport function go(u: string) { const x = externalUrl(u); if (x) void shell.openExternal(x); }',
    ],
    ['ipc', 'ipcMain listener outside the hub', `import { ipcMain } from 'electron';\nipcMain.handle('x', () => 1);`],
    [
      'ipc',
      'hub listener without a sender check',
      `export class IpcHub { attach(ipc) { ipc.handle(IpcChannel.settingsCall, (event, m) => this.#call(event, m)); } #call(event, m) { return m; } }`,
    ],
    [
      'permissions',
      'partition session without a request handler',
      goodWindow.replace(/.*setPermissionRequestHandler.*\n/, ''),
    ],
    [
      'permissions',
      'partition session without a check handler',
      goodWindow.replace(/.*setPermissionCheckHandler.*\n/, ''),
    ],
    [
      'permissions',
      'inline partition session',
      goodWindow.replace('session: ses,', "session: session.fromPartition('y'),"),
    ],
    ['permissions', 'partition webPreference', goodWindow.replace('session: ses,', "partition: 'persist:x',")],
    ['permissions', 'default session without handlers', goodWindow.replace('session: ses, ', '')],
    [
      'protocol',
      'a site session intercepting its https requests',
      `import { session } from 'electron';\nconst ses = session.fromPartition('persist:x');\nses.setPermissionRequestHandler((_w, _p, cb) => cb(false));\nses.setPermissionCheckHandler(() => false);\nses.protocol.handle('https', (request) => settingsAsset(request.url, '/r') ? new Response('') : ses.fetch(request, { bypassCustomProtocolHandlers: true }));`,
    ],
    [
      'protocol',
      'protocol.handle serving request paths from disk',
      `import { protocol, net } from 'electron';\nprotocol.handle('app', (request) => net.fetch('file://' + new URL(request.url).pathname));`,
    ],
  ];
  for (const [rule, what, source] of cases) {
    test(`rule ${rule} fails for: ${what}`, () => {
      const files: Sources = rule === 'ipc' && what.startsWith('hub') ? { 'ipc-hub.ts': source } : { 'bad.ts': source };
      assert.ok(byRule(checkElectronConfig(files), rule).length > 0, `no ${rule} finding for ${what}`);
    });
  }

  test('a default-session window passes once the default session has both handlers', () => {
    const src =
      goodWindow.replace('session: ses, ', '') +
      '\nsession.defaultSession.setPermissionRequestHandler((_w, _p, cb) => cb(false));\nsession.defaultSession.setPermissionCheckHandler(() => false);';
    assert.deepEqual(checkElectronConfig({ 'ok.ts': src }), []);
  });

  test('a hub whose listeners check the sender frame through a helper passes', () => {
    const hub = `export class IpcHub { attach(ipc) { ipc.handle(IpcChannel.workerCall, (event, m) => this.#call(event, m)); }
  #who(event) { const frame = event.senderFrame; return isMainFrame(event.sender, frame) && isWorkerHostFrame(frame.url, 'o'); }
  #call(event, m) { if (!this.#who(event)) return null; return m; } }`;
    assert.deepEqual(checkElectronConfig({ 'ipc-hub.ts': hub }), []);
  });

  test('rule csp fails for inline script, eval, a network connect-src and a missing default-src', () => {
    assert.ok(checkCsp(SETTINGS_CSP.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'")).length > 0);
    assert.ok(checkCsp(SETTINGS_CSP.replace("script-src 'self'", "script-src 'self' 'unsafe-eval'")).length > 0);
    assert.ok(checkCsp(SETTINGS_CSP.replace("connect-src 'none'", 'connect-src https:')).length > 0);
    assert.ok(checkCsp("script-src 'self'").length > 0);
  });
});

// ---- the routers behind protocol.handle: no path traversal ----

describe('protocol request routers refuse traversal', () => {
  const RENDERER = path.resolve('/opt/push-agent/renderer');

  test('settings scheme: .., encoded %2e%2e and %2f, absolute paths, backslashes and NUL are refused', () => {
    for (const p of [
      '/../main.js',
      '/..%2fmain.js',
      '/%2e%2e/%2e%2e/etc/passwd',
      '/%2e%2e%5csecret.js',
      '/%2Fetc%2Fpasswd.html',
      '/..\\..\\x.js',
      '/a/b.js',
      '/.env.js',
      '/%00settings.html',
      '//etc/passwd.html',
      '/%252e%252e/x.js',
      '/%E0%A4%A.js',
    ]) {
      const asset = settingsAsset(`push-agent://settings${p}`, RENDERER);
      assert.ok(asset === null || path.dirname(asset.file) === RENDERER, `${p} escaped to ${asset?.file}`);
    }
    assert.equal(settingsAsset('push-agent://other/settings.html', RENDERER), null, 'another host of the scheme');
    assert.equal(settingsAsset('file:///etc/passwd', RENDERER), null);
    assert.equal(settingsAsset('push-agent://settings/', RENDERER)?.file, path.join(RENDERER, 'settings.html'));
  });

  test('fuzz: any request path maps to a file directly inside the served directory, or to nothing', () => {
    const segment = fc.oneof(
      fc.constantFrom(
        '..',
        '.',
        '%2e%2e',
        '%2E%2e',
        '%2f',
        '%5c',
        '\\',
        '',
        'settings.html',
        'host.js',
        '__push-agent__',
        '%00',
        'etc',
        'passwd',
      ),
      fc.string({ maxLength: 8 }),
    );
    fc.assert(
      fc.property(fc.array(segment, { maxLength: 6 }), (parts) => {
        const p = `/${parts.join('/')}`;
        const s = settingsAsset(`push-agent://settings${p}`, RENDERER);
        if (s) assert.equal(path.dirname(s.file), RENDERER, `${p} -> ${s.file}`);
      }),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 5000) },
    );
  });
});
