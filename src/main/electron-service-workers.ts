// The Electron side of the service-worker host (service-worker-host.ts): each origin's session's `serviceWorkers`.
// Only Electron runs this file. APIs (Electron 45, docs/api/service-workers.md): `startWorkerForScope` and the
// `running-status-changed` event, both experimental since Electron 35.
import type { SiteSessions } from './site-sessions.ts';
import type { ServiceWorkerHandle, ServiceWorkerStarter } from './service-worker-host.ts';

export function electronServiceWorkers(
  sessions: SiteSessions,
  onStopped: (versionId: number) => void,
): ServiceWorkerStarter {
  const watched = new Set<object>();
  return {
    async startWorkerForScope(origin, scope) {
      const workers = sessions.get(origin).serviceWorkers;
      if (!watched.has(workers)) {
        watched.add(workers);
        workers.on('running-status-changed', ({ versionId, runningStatus }) => {
          if (runningStatus === 'stopped') onStopped(versionId);
        });
      }
      // ServiceWorkerMain: send, startTask, ipc, isDestroyed, scope, scriptURL, versionId
      // (docs/api/service-worker-main.md).
      const worker: ServiceWorkerHandle = await workers.startWorkerForScope(scope);
      return worker;
    },
  };
}
