// The in-page Push API (src/page/push-api.ts, bundled by scripts/build.ts) inlined as the body of a function, so the
// site preload can run it in the page's main world with contextBridge.executeInMainWorld (no eval, no file access
// from the sandbox). Resolved only by the build's plugin.
declare module 'push-agent:page-script' {
  const pageScript: () => void;
  export default pageScript;
}
