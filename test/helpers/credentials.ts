/** Every form a credential takes on the wire, to assert that none of them leaks anywhere. */
const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
const b64url = (s: string) => Buffer.from(s, 'utf8').toString('base64url');

export function wireForms(user: string, secret: string): Record<string, string> {
  return {
    plain: secret,
    urlEncoded: encodeURIComponent(secret),
    base64: b64(secret),
    base64url: b64url(secret),
    basic: b64(`${user}:${secret}`),
    basicUrl: b64url(`${user}:${secret}`),
    authPlain: b64(`\0${user}\0${secret}`),
    authPlainAuthzid: b64(`${user}\0${user}\0${secret}`),
    authPlainUrl: b64url(`\0${user}\0${secret}`),
    loginPass: b64(secret),
    xoauth2: b64(`user=${user}\x01auth=Bearer ${secret}\x01\x01`),
    // Wrapped by something nobody registered: still masked through the base64 "cores".
    otherWrapper: b64(`x-${user}-${secret}-tail`),
  };
}
