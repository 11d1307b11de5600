// The service-worker preload's main-world function (scripts/build.ts): the bundled service-worker script
// (src/worker/service-worker-script.ts, globalName PushAgentServiceWorker) as the body of a function of the send
// function, because contextBridge.executeInMainWorld serializes its `func`. `registration.unregister()` is wrapped
// first: Electron has no registration-deleted event. Shared with tests/browser/service-worker-preload.test.ts.
export function serviceWorkerScriptFunction(bundle: string): string {
  return `export default function serviceWorkerScript(send) {
${bundle.replace(/^\/\/# sourceMappingURL=.*$/m, '')}
  const proto = globalThis.ServiceWorkerRegistration && globalThis.ServiceWorkerRegistration.prototype;
  const nativeUnregister = proto && proto.unregister;
  if (nativeUnregister) Object.defineProperty(proto, 'unregister', { value: async function unregister() { const gone = await nativeUnregister.call(this); if (gone === true) send(JSON.stringify({ id: 0, method: 'unregistered', args: [] })); return gone; }, writable: true, enumerable: true, configurable: true });
  const name = '__pushAgentSw_' + Math.random().toString(36).slice(2);
  Object.defineProperty(globalThis, name, { value: send, configurable: true });
  return PushAgentServiceWorker.install(name);
}`;
}
