// The in-page Push API (src/page/push-api.ts, bundled by scripts/build.ts) inlined as the body of a function, so the
// site preload can run it in the page's main world with contextBridge.executeInMainWorld (no eval, no file access
// from the sandbox). Resolved only by the build's plugin.
declare module 'push-agent:page-script' {
  const pageScript: () => void;
  export default pageScript;
}

// The service-worker script (src/worker/service-worker-script.ts, bundled with globalName PushAgentServiceWorker)
// inlined as the body of a function of the send function: it wraps `registration.unregister()` to report the
// scope, installs the script with `send` as its channel and returns the agent (scripts/build.ts).
declare module 'push-agent:service-worker-script' {
  const serviceWorkerScript: (send: (json: string) => void) => unknown;
  export default serviceWorkerScript;
}
