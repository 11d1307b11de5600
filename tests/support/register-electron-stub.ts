// `node --import ./register-electron-stub.ts dist/main/main.cjs`: resolves `electron` to electron-stub.ts, for
// require() in the CommonJS bundle too (module.registerHooks is synchronous and covers both loaders).
import { registerHooks } from 'node:module';

const stub = new URL('./electron-stub.ts', import.meta.url).href;
registerHooks({
  resolve(specifier, context, next) {
    if (specifier === 'electron') return { url: stub, format: 'module-typescript', shortCircuit: true };
    return next(specifier, context);
  },
});
