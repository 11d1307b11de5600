// Debian's Chromium through playwright-core, for tests that drive a page the way Electron's windows would (the
// settings window, the site window's preload and page script): the product's own Chromium host
// (tests/support/chromium-host.ts) runs sites' service workers.

import { chromium, type Browser } from 'playwright-core';
import { findBrowser } from '../../src/cli/browser-path.ts';

const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({ executablePath: findBrowser(), args: [...CHROMIUM_ARGS, ...extraArgs] });
}
