/**
 * The Content-Security-Policy of the interface, declared once for both shells that serve it: the
 * desktop app's `app://` protocol (main/protocol.ts) and browser mode (server/static.ts). Campaign
 * previews are `srcdoc` iframes with `sandbox=""`: they inherit this policy, so a campaign's scripts
 * never run and its remote images never load.
 */
export function contentSecurityPolicy(): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "frame-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
    "object-src 'none'",
  ].join('; ');
}
