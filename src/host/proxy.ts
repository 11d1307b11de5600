// Proxies for the engine's WebSocket (`ws` ignores proxies by itself). One agent, asked per connection attempt,
// so a changed network or proxy configuration applies at the next reconnect:
// - the app resolves the proxy for the push service with Electron's session.resolveProxy (system settings, PAC),
//   whose answer is a PAC string ("PROXY host:port; DIRECT");
// - the headless command reads HTTPS_PROXY / https_proxy (wss://), HTTP_PROXY / http_proxy (ws://) and NO_PROXY,
//   through proxy-from-env (the rules curl and npm follow).
// Only HTTP CONNECT proxies are supported (https-proxy-agent); a SOCKS answer is logged and the connection goes
// direct, which is what the proxy's absence would do too.
import type http from 'node:http';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import { Agent, type AgentConnectOpts } from 'agent-base';
import { HttpsProxyAgent } from 'https-proxy-agent';
import { getProxyForUrl } from 'proxy-from-env';

/** The http(s) URL a proxy is chosen for: proxies are configured for http/https, a WebSocket rides on them. */
export function proxyTargetUrl(serviceUrl: string): string {
  const url = new URL(serviceUrl);
  url.protocol = url.protocol === 'wss:' ? 'https:' : url.protocol === 'ws:' ? 'http:' : url.protocol;
  return url.href;
}

/** The proxy URL for `serviceUrl` from this process's environment, or null for a direct connection. */
export function proxyFromEnv(serviceUrl: string): string | null {
  return getProxyForUrl(proxyTargetUrl(serviceUrl)) || null;
}

export type PacAnswer = { kind: 'direct' } | { kind: 'proxy'; url: string } | { kind: 'unsupported'; scheme: string };

/** The first usable entry of a PAC answer (Electron's resolveProxy): "PROXY h:p; DIRECT", "HTTPS h:p", "DIRECT". */
export function parsePacAnswer(answer: string): PacAnswer {
  let unsupported: string | null = null;
  for (const entry of answer.split(';')) {
    const [scheme = '', hostPort] = entry.trim().split(/\s+/);
    const s = scheme.toUpperCase();
    if (s === 'DIRECT') return unsupported ? { kind: 'unsupported', scheme: unsupported } : { kind: 'direct' };
    if ((s === 'PROXY' || s === 'HTTPS') && hostPort)
      return { kind: 'proxy', url: `${s === 'HTTPS' ? 'https' : 'http'}://${hostPort}` };
    if (s) unsupported ??= s;
  }
  return unsupported ? { kind: 'unsupported', scheme: unsupported } : { kind: 'direct' };
}

/**
 * An agent for `ws` that asks `resolve` for each connection which proxy to use (null = direct) and tunnels
 * through it with CONNECT. A failing resolver means a direct connection, never no connection.
 */
export class ResolvingProxyAgent extends Agent {
  readonly #resolve: (targetUrl: string) => Promise<string | null>;
  readonly #agents = new Map<string, HttpsProxyAgent<string>>();

  constructor(resolve: (targetUrl: string) => Promise<string | null>) {
    super();
    this.#resolve = resolve;
  }

  async connect(_req: http.ClientRequest, opts: AgentConnectOpts): Promise<Duplex | http.Agent> {
    const target = `${opts.secureEndpoint ? 'https' : 'http'}://${opts.host}:${opts.port}/`;
    const proxy = await this.#resolve(target).catch(() => null);
    // Direct: the socket ws would have opened itself (no pooling agent in between).
    const host = opts.host ?? 'localhost';
    if (!proxy)
      return opts.secureEndpoint
        ? tls.connect({ ...opts, ...(net.isIP(host) ? {} : { servername: host }) })
        : net.connect(opts);
    let agent = this.#agents.get(proxy);
    if (!agent) {
      agent = new HttpsProxyAgent(proxy);
      this.#agents.set(proxy, agent);
    }
    return agent;
  }
}
