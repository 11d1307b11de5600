// The esbuild options of the headless command's bundles, shared by scripts/build.ts and the tests that build the
// Linux packages' layout (tests/support/linux-package.ts), so that what is tested is what ships.
import type { BuildOptions, Plugin } from 'esbuild';
import path from 'node:path';

// Optional native helpers of ws and @homebridge/dbus-native: absent, and not needed.
export const OPTIONAL_NATIVE = ['bufferutil', 'utf-8-validate', 'abstract-socket', 'x11'];
// Bundled CommonJS packages call require() (for Node's modules and the optional helpers above): an ES module has none.
export const CJS_REQUIRE =
  "import { createRequire as __pushAgentRequire } from 'node:module'; const require = __pushAgentRequire(import.meta.url);";

// The D-Bus client's bus.js requires its introspection module at load, and with it xml2js, sax and xmlbuilder, which
// only proxies built by introspecting a service use; src/host/dbus-client.ts calls methods and matches signals without
// them. Loaded at the first introspection instead: ~0.5 MiB of an idle listener's heap (docs/architecture.md).
export const dbusIntrospectionOnUse: Plugin = {
  name: 'dbus-introspection-on-use',
  setup(b) {
    b.onResolve({ filter: /^\.\/introspect$/ }, (args) =>
      /@homebridge[\\/]dbus-native[\\/]lib[\\/]bus\.js$/.test(args.importer)
        ? { path: 'introspect.js', namespace: 'dbus-introspection-on-use', pluginData: path.dirname(args.importer) }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'dbus-introspection-on-use' }, (args) => ({
      contents:
        "module.exports.introspectBus = (obj, callback) => require('./introspect.js').introspectBus(obj, callback);",
      resolveDir: args.pluginData as string,
      loader: 'js',
    }));
  },
};

/**
 * The command as one file with its dependencies inside, for the Linux packages' /usr/bin/push-agent
 * (build/linux/push-agent): there is no node_modules beside it. The caller gives `outfile`.
 */
export const standaloneCli: BuildOptions = {
  entryPoints: ['src/cli/push-agent.ts'],
  platform: 'node',
  format: 'esm',
  external: OPTIONAL_NATIVE,
  banner: { js: CJS_REQUIRE },
  plugins: [dbusIntrospectionOnUse],
};

/**
 * The command's decryption thread (src/engine/crypto/decrypt-worker.ts), found beside the command's bundle: it uses
 * only Node's modules and the engine's crypto, so one build serves both bundles. The caller gives `outfile`.
 */
export const decryptWorker: BuildOptions = {
  entryPoints: ['src/engine/crypto/decrypt-worker.ts'],
  platform: 'node',
  format: 'esm',
};
