// What `npm test` needs before any test file starts: Node 24 (the `node` devDependency), Chromium (found through the
// product's one browser lookup, so `$PUSH_AGENT_BROWSER` overrides it) and Firefox ESR for the Firefox suite.
// Pure over its inputs: returns the problems and the one command that fixes the missing packages.
import { BROWSER_PACKAGE, BrowserNotFoundError, findBrowser, findExecutable } from '../src/cli/browser-path.ts';

export const FIREFOX_PACKAGE = 'firefox-esr';

export interface Preflight {
  problems: string[];
  /** Debian packages to install, in order; empty when none is missing. */
  packages: string[];
  /** What to run to fix it all, or null when nothing is missing. */
  fix: string | null;
}

export function preflight(
  env: NodeJS.ProcessEnv = process.env,
  nodeVersion: string = process.versions.node,
): Preflight {
  const problems: string[] = [];
  const packages: string[] = [];
  const fixes: string[] = [];
  const major = Number(nodeVersion.split('.')[0]);
  if (major !== 24) {
    problems.push(`Node ${nodeVersion} runs the tests, but they need Node 24 (what Electron 45 embeds)`);
    fixes.push(
      'npm ci   # the node@24 devDependency puts Node 24 first on the PATH of npm scripts; run the tests with npm test',
    );
  }
  try {
    findBrowser(env);
  } catch (err) {
    if (!(err instanceof BrowserNotFoundError)) throw err;
    problems.push(err.message);
    packages.push(BROWSER_PACKAGE);
  }
  if (!findExecutable([FIREFOX_PACKAGE, 'firefox'], env)) {
    problems.push(`Firefox ESR is not on the PATH; the Firefox suite (tests/firefox) needs it as a real push client`);
    packages.push(FIREFOX_PACKAGE);
  }
  if (packages.length) fixes.push(`sudo apt-get install ${packages.join(' ')}`);
  return { problems, packages, fix: fixes.length ? fixes.join('\n  ') : null };
}
