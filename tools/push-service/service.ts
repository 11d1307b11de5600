// See index.ts: the library lives in src/push-service/.
export { startPushService, resolveOptions } from '../../src/push-service/service.ts';
export type { PushService, PushServiceOptions, PushServiceStats } from '../../src/push-service/service.ts';
