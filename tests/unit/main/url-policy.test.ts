import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decideNavigation, externalUrl, isSameOrigin, siteOrigin } from '../../../src/main/url-policy.ts';

test('only http(s) URLs without credentials are handed to the default browser', () => {
  assert.equal(externalUrl('https://example.com/a?b#c'), 'https://example.com/a?b#c');
  assert.equal(externalUrl('http://example.com'), 'http://example.com/');
  for (const bad of [
    'javascript:alert(1)',
    'file:///etc/passwd',
    'smb://host/share',
    'push-agent://settings/',
    'https://u:p@example.com/',
    '',
    'not a url',
    42,
    null,
    'https://x/' + 'a'.repeat(2100),
  ]) {
    assert.equal(externalUrl(bad), null, String(bad));
  }
});

test('sites are https origins, or http on loopback for local development', () => {
  assert.equal(siteOrigin('https://example.com/path'), 'https://example.com');
  assert.equal(siteOrigin('http://127.0.0.1:8081/x'), 'http://127.0.0.1:8081');
  assert.equal(siteOrigin('http://localhost:3000/'), 'http://localhost:3000');
  assert.equal(siteOrigin('http://example.com/'), null);
  assert.equal(siteOrigin('http://127.0.0.1.example.com/'), null);
  assert.equal(siteOrigin('data:text/html,hi'), null);
});

test('a site window navigates within its origin; other links go to the browser; other schemes nowhere', () => {
  const origin = 'https://example.com';
  assert.deepEqual(decideNavigation('https://example.com/next', origin, 'navigate'), { action: 'allow' });
  assert.deepEqual(decideNavigation('https://evil.example/', origin, 'navigate'), {
    action: 'external',
    url: 'https://evil.example/',
  });
  assert.deepEqual(decideNavigation('https://example.com/popup', origin, 'window-open'), {
    action: 'external',
    url: 'https://example.com/popup',
  });
  assert.deepEqual(decideNavigation('javascript:alert(1)', origin, 'window-open'), { action: 'deny' });
  assert.deepEqual(decideNavigation('file:///etc/passwd', origin, 'navigate'), { action: 'deny' });
  assert.equal(isSameOrigin('https://example.com:444/', origin), false);
  assert.equal(isSameOrigin('http://example.com/', origin), false);
});
