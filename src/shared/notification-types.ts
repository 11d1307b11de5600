// Notification options as they cross process boundaries (engine, worker host page, later IPC). Types only.

export interface NotificationAction {
  action: string;
  title: string;
  navigate?: string;
  icon?: string;
}

/** Options as a worker or a declarative message asks for them, after validation. */
export interface NotificationRequest {
  title: string;
  body?: string;
  icon?: string;
  badge?: string;
  image?: string;
  tag?: string;
  renotify?: boolean;
  requireInteraction?: boolean;
  silent?: boolean;
  data?: unknown;
  actions?: NotificationAction[];
  timestamp?: number;
  navigate?: string;
  dir?: 'auto' | 'ltr' | 'rtl';
  lang?: string;
}
