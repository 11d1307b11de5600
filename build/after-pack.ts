// electron-builder afterPack hook: flips Electron's fuses on the packaged binary. A release build
// turns off running as Node, NODE_OPTIONS and the inspect arguments, and loads the app only from an asar whose
// integrity is checked. A test build (PUSH_AGENT_BUILD=test) keeps the inspect arguments, which Playwright's
// `_electron` needs to drive the main process; everything else is as in a release.
import path from 'node:path';
import { flipFuses, FuseV1Options, FuseVersion, type FuseV1Config } from '@electron/fuses';
import type { AfterPackContext } from 'electron-builder';

export type BuildKind = 'release' | 'test';

export function buildKind(env: Record<string, string | undefined>): BuildKind {
  return env.PUSH_AGENT_BUILD === 'test' ? 'test' : 'release';
}

export function fuseConfig(kind: BuildKind): FuseV1Config {
  return {
    version: FuseVersion.V1,
    strictlyRequireAllFuses: true,
    // macOS arm64 binaries must stay validly signed after the flip (electron-builder signs again afterwards).
    resetAdHocDarwinSignature: true,
    [FuseV1Options.RunAsNode]: false,
    [FuseV1Options.EnableCookieEncryption]: true,
    [FuseV1Options.EnableNodeOptionsEnvironmentVariable]: false,
    [FuseV1Options.EnableNodeCliInspectArguments]: kind === 'test',
    [FuseV1Options.EnableEmbeddedAsarIntegrityValidation]: true,
    [FuseV1Options.OnlyLoadAppFromAsar]: true,
    [FuseV1Options.LoadBrowserProcessSpecificV8Snapshot]: false,
    // We never load file:// URLs (the settings window has its own scheme).
    [FuseV1Options.GrantFileProtocolExtraPrivileges]: false,
    // Electron's default (since 41): guard regions plus a signal handler instead of explicit bounds checks in
    // WebAssembly; sites' pages may run WebAssembly, and turning it off only costs them speed.
    [FuseV1Options.WasmTrapHandlers]: true,
  };
}

/** Where electron-builder put the Electron binary for this platform. */
export function packagedBinary(ctx: {
  appOutDir: string;
  platform: string;
  productFilename: string;
  executableName: string;
}): string {
  switch (ctx.platform) {
    case 'darwin':
    case 'mas':
      return path.join(ctx.appOutDir, `${ctx.productFilename}.app`);
    case 'win32':
      return path.join(ctx.appOutDir, `${ctx.productFilename}.exe`);
    default:
      return path.join(ctx.appOutDir, ctx.executableName);
  }
}

export default async function afterPack(context: AfterPackContext): Promise<void> {
  const binary = packagedBinary({
    appOutDir: context.appOutDir,
    platform: context.electronPlatformName,
    productFilename: context.packager.appInfo.productFilename,
    // Only the Linux packager has an executableName; elsewhere the product file name is the binary.
    executableName:
      (context.packager as { executableName?: string }).executableName ?? context.packager.appInfo.productFilename,
  });
  const kind = buildKind(process.env);
  await flipFuses(binary, fuseConfig(kind));
  console.log(`  • fuses flipped for a ${kind} build  binary=${path.basename(binary)}`);
}
