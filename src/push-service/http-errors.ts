// JSON error bodies in autopush's shape: {code, errno, error, message, more_info}. 410 carries
// `Cache-Control: max-age=86400` and 503 `Retry-After`, as the production service sends them.
import type { ServerResponse } from 'node:http';

// Not an ES import of node:http: its namespace loads undici, http2 and perf_hooks (docs/architecture.md).
const { STATUS_CODES } = process.getBuiltinModule('node:http');

const MORE_INFO = 'http://autopush.readthedocs.io/en/latest/http.html#error-codes';

export class HttpError extends Error {
  readonly status: number;
  readonly errno: number | null;
  constructor(status: number, errno: number | null, message: string) {
    super(message);
    this.status = status;
    this.errno = errno;
  }
}

export function sendError(res: ServerResponse, err: HttpError): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify({
    code: err.status,
    errno: err.errno,
    error: STATUS_CODES[err.status] ?? 'Error',
    message: err.message,
    more_info: MORE_INFO,
  });
  const headers: Record<string, string | number> = {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(body),
  };
  if (err.status === 410) headers['Cache-Control'] = 'max-age=86400';
  if (err.status === 503) headers['Retry-After'] = '120';
  res.writeHead(err.status, headers);
  res.end(body);
}
