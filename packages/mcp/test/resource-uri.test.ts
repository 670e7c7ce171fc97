import { describe, expect, it } from 'vitest';
import { canonicalResourceUri, checkUriTemplate, operationOf } from '../src/index.js';

const read = (uri: string) => operationOf({ jsonrpc: '2.0', id: 1, method: 'resources/read', params: { uri } });

describe('resource URIs as the SDK servers read them', () => {
  it('refuses every spelling that a WHATWG parser would turn into a path outside the one sent', () => {
    const attacks = [
      'file:///docs/.\t./etc/secret.txt',
      'file:///docs/.\n./etc/secret.txt',
      'file:///docs/.\r./etc/secret.txt',
      'file:///docs/%2e\t%2e/etc/secret.txt',
      'file:///docs/..%2Fetc/secret.txt',
      'file:///docs/%2e%2e/etc/secret.txt',
      'file:///docs/.%2E/etc/secret.txt',
      'file:///docs/../etc/secret.txt',
      'file:///docs/./../etc/secret.txt',
      'file:///docs\\..\\etc\\secret.txt',
      'file:///docs/%5c../etc/secret.txt',
      'file:///docs/%252e%252e/etc/secret.txt',
      'file:///docs/a%00.txt',
      'file:///docs/ a.txt',
      'file:///docs/\u00a0a.txt',
      'file:///docs/\u2028a.txt',
      'not a uri',
      '',
    ];
    for (const uri of attacks) {
      expect(canonicalResourceUri(uri).ok, JSON.stringify(uri)).toBe(false);
      expect(read(uri).kind, JSON.stringify(uri)).toBe('invalid');
    }
  });

  it("authorizes the parser's reading and says it must be forwarded in place of the one sent", () => {
    expect(canonicalResourceUri('FILE:///docs/a.txt')).toEqual({ ok: true, uri: 'file:///docs/a.txt' });
    expect(canonicalResourceUri('https://Example.COM')).toEqual({ ok: true, uri: 'https://example.com/' });
    expect(canonicalResourceUri('file:///docs/é.txt')).toEqual({ ok: true, uri: 'file:///docs/%C3%A9.txt' });
    expect(read('FILE:///docs/a.txt')).toEqual({
      kind: 'scoped',
      method: 'resources/read',
      scope: 'resource:file:///docs/a.txt',
      name: 'file:///docs/a.txt',
      uri: 'file:///docs/a.txt',
      field: 'uri',
    });
    // Whatever it is read as, the URI it names is the URI it reads.
    for (const uri of ['file:///docs/a.txt', 'mem://notes/today', 'urn:isbn:0451450523', 'docs:/a/b..c']) {
      const canonical = canonicalResourceUri(uri);
      expect(canonical.ok, uri).toBe(true);
      if (canonical.ok) expect(new URL(canonical.uri).href).toBe(canonical.uri);
    }
  });

  it('compares URI templates of completion references as strings, with the same refusals', () => {
    expect(checkUriTemplate('file:///docs/{path}')).toEqual({ ok: true, uri: 'file:///docs/{path}' });
    expect(checkUriTemplate('file:///docs/../{path}').ok).toBe(false);
    expect(
      operationOf({
        jsonrpc: '2.0',
        id: 1,
        method: 'completion/complete',
        params: { ref: { type: 'ref/resource', uri: 'file:///docs/{path}' }, argument: { name: 'path', value: 'a' } },
      }),
    ).toMatchObject({ kind: 'scoped', scope: 'resource:file:///docs/{path}' });
    expect(
      operationOf({
        jsonrpc: '2.0',
        id: 1,
        method: 'completion/complete',
        params: { ref: { type: 'ref/resource', uri: 'file:///docs/.\t./{path}' }, argument: { name: 'p', value: '' } },
      }).kind,
    ).toBe('invalid');
  });
});
