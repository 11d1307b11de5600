// Parsing of parameter-list headers such as `Crypto-Key: dh=...;p256ecdsa=...` and `Encryption: salt=...; rs=4096`.
// Senders separate parameters with `;` or `,` and sometimes quote values, so both are accepted.

/** name (lower-cased) -> value (unquoted). Returns undefined for a header that is not a parameter list. */
export function parseParams(header: string): Map<string, string> | undefined {
  const out = new Map<string, string>();
  for (const part of header.split(/[;,]/)) {
    const item = part.trim();
    if (item === '') continue;
    const eq = item.indexOf('=');
    if (eq <= 0) return undefined;
    const name = item.slice(0, eq).trim().toLowerCase();
    let value = item.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    out.set(name, value);
  }
  return out;
}

/**
 * What the client sees in `headers.encryption` / `headers.crypto_key`: double quotes removed and base64 padding
 * stripped from each value, as autopush does.
 */
export function stripHeaderValue(header: string): string {
  return header.replace(/"/g, '').replace(/([0-9A-Za-z_-]+)=+([,;]|$)/g, '$1$2');
}
