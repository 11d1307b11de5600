// Where the Electron binary is, found the way Electron's own package finds it: `require('electron')` in Node returns
// its path. Since Electron 42 that require downloads the binary on first use when it is missing (install scripts no
// longer do), honours ELECTRON_OVERRIDE_DIST_PATH, and throws when the download fails (offline). Spawning this path
// also works on Windows, where the `electron` on PATH is an `electron.cmd` shim that spawn() without a shell
// cannot run.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

export type ElectronBinary = { ok: true; path: string } | { ok: false; reason: string };

/** `from`: the directory whose node_modules holds `electron` (the repository root by default). */
export function findElectronBinary(from = process.cwd()): ElectronBinary {
  let found: unknown;
  try {
    found = createRequire(path.join(from, 'package.json'))('electron');
  } catch (err) {
    // Electron's message names `npx install-electron`; keep only its first line.
    return {
      ok: false,
      reason: String((err as Error)?.message ?? err)
        .split('\n')[0]!
        .slice(0, 300),
    };
  }
  if (typeof found !== 'string') return { ok: false, reason: 'the electron package did not return a path' };
  if (!existsSync(found)) return { ok: false, reason: `no Electron binary at ${found}` };
  return { ok: true, path: found };
}

/**
 * What to tell someone whose Electron could not be had: the headless agent does the same job without it, by default on
 * its embedded push service (`serviceFlag` names another, as `npm run dev` does for its local one).
 */
export function noElectronAdvice(reason: string, serviceFlag = ' --service local'): string[] {
  return [
    `Electron is not available (${reason}).`,
    'Electron downloads its binary on first use; on a machine without internet, point ELECTRON_OVERRIDE_DIST_PATH at a',
    'directory holding an Electron 45 binary. Without it, the headless agent does the same job (README, "Quick start"):',
    `  npm run -s push-agent -- subscribe${serviceFlag} --label "My alerts" > ~/my-alerts.json`,
    `  npm run -s push-agent -- listen${serviceFlag}`,
    `  npm run -s push-agent -- send${serviceFlag === ' --service local' ? '' : serviceFlag} ~/my-alerts.json "Hello"     # in a second terminal`,
  ];
}
