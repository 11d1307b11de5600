// The Linux packages' headless command, laid out as the deb installs it: the self-contained bundle and its
// decryption thread, built with the options dist/cli-standalone/ is built with (scripts/cli-bundles.ts) into a
// temporary directory so that no test touches dist/, at /opt/Push Agent/resources/cli/; the build/linux/push-agent
// wrapper beside the app; /usr/bin/push-agent linking to it. No node_modules anywhere above it, as on a user's machine.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { decryptWorker, standaloneCli } from '../../scripts/cli-bundles.ts';

export interface LinuxPackageLayout {
  /** The temporary root standing in for `/`. */
  root: string;
  /** `<root>/usr/bin/push-agent`. */
  bin: string;
}

const REPO = path.resolve(import.meta.dirname, '../..');

export async function linuxPackageLayout(): Promise<LinuxPackageLayout> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'deb-layout-'));
  const opt = path.join(root, 'opt/Push Agent');
  const { build } = await import('esbuild');
  await build({
    ...standaloneCli,
    absWorkingDir: REPO,
    outfile: path.join(opt, 'resources/cli/push-agent.mjs'),
    bundle: true,
    target: 'es2023',
    logLevel: 'silent',
  });
  await build({
    ...decryptWorker,
    absWorkingDir: REPO,
    outfile: path.join(opt, 'resources/cli/decrypt-worker.js'),
    bundle: true,
    target: 'es2023',
    logLevel: 'silent',
  });
  fs.copyFileSync(path.join(REPO, 'build/linux/push-agent'), path.join(opt, 'push-agent'));
  fs.chmodSync(path.join(opt, 'push-agent'), 0o755);
  fs.mkdirSync(path.join(root, 'usr/bin'), { recursive: true });
  const bin = path.join(root, 'usr/bin/push-agent');
  fs.symlinkSync(path.join(opt, 'push-agent'), bin);
  return { root, bin };
}
