// Bundles a page-side entry (settings window, site preload, in-page Push API) the way scripts/build.ts does for
// shipping: one IIFE for the browser. Memoized per entry: tests share one build per run.
import { build } from 'esbuild';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const bundles = new Map<string, Promise<string>>();

/** `entry` relative to the repository root, e.g. 'src/page/push-api.ts'. */
export function bundlePageScript(entry: string): Promise<string> {
  let bundle = bundles.get(entry);
  if (!bundle) {
    bundle = build({
      entryPoints: [path.join(root, entry)],
      bundle: true,
      write: false,
      format: 'iife',
      platform: 'browser',
      target: 'chrome120',
      logLevel: 'silent',
    }).then((out) => out.outputFiles[0]!.text);
    bundles.set(entry, bundle);
  }
  return bundle;
}
