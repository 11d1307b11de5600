// Public surface of the local push service (see docs/architecture.md).
export { startPushService, resolveOptions } from './service.ts';
export type { PushService, PushServiceOptions, PushServiceStats } from './service.ts';
export type { StoredMessage, Urgency } from './types.ts';
export { PushServiceError } from './errors.ts';
export type { PushServiceErrorKind } from './errors.ts';
export {
  EMBEDDED_SERVICE,
  EMBEDDED_PORT_FILE,
  EMBEDDED_STATE_FILE,
  embeddedServiceUrl,
  keptPort,
  startEmbeddedService,
} from './embedded.ts';
