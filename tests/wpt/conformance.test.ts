// The web-platform-tests for the Push API and service-worker notifications (copied under tests/wpt/tree), run in
// real Chromium by the agent's Chromium host (src/chromium-host: the page script in every page, the service-worker
// script in every service worker), with a real engine on the local push service behind it; testdriver's
// set_permission sets the engine's permission (and the host makes the browser profile follow it). Each variant's pass
// count is compared with the one committed in
// docs/conformance.md: a count that falls fails this test. `WPT_RECORD=1` rewrites the table with today's counts.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startPushService } from '../../tools/push-service/index.ts';
import { SiteService, type PermissionPort } from '../../src/engine/services/site-service.ts';
import type { SitePermissionState } from '../../src/shared/site-bridge.ts';
import { startEngine, type Harness } from '../support/engine-harness.ts';
import type { ChromiumWorkerHost } from '../../src/chromium-host/chromium-worker-host.ts';
import { chromiumHost } from '../support/chromium-host.ts';
import { buildPageScript } from '../support/playwright-site-bridge.ts';
import { startWptServer, variantsOf, type WptServer, type WptVariant } from './wpt-server.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const COUNTS_DOC = path.join(root, 'docs/conformance.md');
const START = '<!-- wpt-counts:start -->';
const END = '<!-- wpt-counts:end -->';

/** The test files run, by their path in WPT. */
const FILES = ['push-api/idlharness.https.any.js', 'notifications/instance.https.window.js'];

interface Report {
  status: number;
  message: string | null;
  tests: Array<{ name: string; status: number; message: string | null }>;
}

const key = (v: WptVariant) => `${v.file} (${v.global})`;

function committedCounts(): Map<string, number> {
  const text = fs.readFileSync(COUNTS_DOC, 'utf8');
  const table = text.slice(text.indexOf(START), text.indexOf(END));
  const counts = new Map<string, number>();
  for (const m of table.matchAll(/^\| `([^`]+)` \| (\w+) \| (\d+) \| (\d+) \|$/gm))
    counts.set(`${m[1]} (${m[2]})`, Number(m[3]));
  return counts;
}

function recordCounts(results: Map<string, { passed: number; total: number }>): void {
  const rows = [...results].map(([k, r]) => {
    const [, file, global] = /^(.*) \((\w+)\)$/.exec(k)!;
    return `| \`${file}\` | ${global} | ${r.passed} | ${r.total} |`;
  });
  const table = [START, '| test file | global | passed | subtests |', '|---|---|---|---|', ...rows, END].join('\n');
  const text = fs.readFileSync(COUNTS_DOC, 'utf8');
  fs.writeFileSync(COUNTS_DOC, text.slice(0, text.indexOf(START)) + table + text.slice(text.indexOf(END) + END.length));
}

let wpt: WptServer;
let service: Awaited<ReturnType<typeof startPushService>>;
let host: ChromiumWorkerHost;
let h: Harness;
const sites = new Map<string, SiteService>();
const permissions = new Map<string, SitePermissionState>();
const permission: PermissionPort = {
  state: (o) => permissions.get(o) ?? 'prompt',
  ask: async () => 'denied', // no prompt in a conformance run: tests set what they need through testdriver
};
const results = new Map<string, { passed: number; total: number }>();

before(async () => {
  wpt = await startWptServer(async (origin, name, state) => {
    if (name !== 'notifications' && name !== 'push')
      throw new Error(`set_permission: ${name} is not a permission the agent has`);
    if (state !== 'granted' && state !== 'denied' && state !== 'prompt') throw new Error('set_permission: bad state');
    permissions.set(origin, state);
    await host.followPermission(origin, state);
  });
  service = await startPushService();
  host = await chromiumHost({
    pageScript: await buildPageScript(),
    sites: (origin) => {
      let site = sites.get(origin);
      if (!site && /^http:\/\/[\w.-]+\.localhost:\d+$/.test(origin))
        sites.set(origin, (site = new SiteService(h.engine, origin, permission, h.logger)));
      return site;
    },
  });
  h = await startEngine(service.wsUrl, { workerHost: host, permissions: permission });
});

after(async () => {
  if (process.env.WPT_RECORD === '1' && results.size) recordCounts(results);
  for (const site of sites.values()) site.close();
  await h?.stop(); // closes the host and its browser
  await service?.close();
  await wpt?.close();
});

let runs = 0;

async function run(variant: WptVariant): Promise<Report> {
  // A fresh origin per variant: registrations and permissions of one file never leak into the next.
  const origin = `http://r${++runs}.wpt.localhost:${wpt.port}`;
  const page = await host.openPage(`${origin}${variant.url}`);
  try {
    const deadline = Date.now() + 120_000;
    for (;;) {
      const report = await page.evaluate<string | null>('self.__wptReport ? JSON.stringify(self.__wptReport) : null');
      if (report) return JSON.parse(report) as Report;
      if (Date.now() > deadline) throw new Error(`${variant.url}: no report within 120 s`);
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    await page.close();
  }
}

describe('web-platform-tests: the pass count per file does not fall below docs/conformance.md', () => {
  const committed = fs.existsSync(COUNTS_DOC) ? committedCounts() : new Map<string, number>();
  for (const file of FILES) {
    for (const variant of variantsOf(file)) {
      test(key(variant), { timeout: 180_000 }, async () => {
        const report = await run(variant);
        const passed = report.tests.filter((t) => t.status === 0).length;
        results.set(key(variant), { passed, total: report.tests.length });
        const failing = report.tests
          .filter((t) => t.status !== 0)
          .map((t) => `  - ${t.name}: ${t.message ?? 'status ' + t.status}`);
        console.log(
          `${key(variant)}: ${passed} of ${report.tests.length} pass (harness status ${report.status})${failing.length ? '\n' + failing.join('\n') : ''}`,
        );
        if (process.env.WPT_RECORD === '1') return;
        const floor = committed.get(key(variant));
        assert.ok(
          floor !== undefined,
          `${key(variant)} has no committed count in docs/conformance.md (run with WPT_RECORD=1)`,
        );
        assert.ok(passed >= floor, `${key(variant)}: ${passed} pass, fewer than the ${floor} committed`);
      });
    }
  }
});
