// The pure parts of git hosting: reading git http-backend's CGI head, the settings every hosted
// repository is served with, and the remote address handed to developers.
import { describe, expect, it } from 'vitest';
import { parseCgiHead } from '../../src/git/git-http.ts';
import {
  configEnvironment,
  gitRemoteUrl,
  hardenedConfig,
  hostedRepoDir,
} from '../../src/git/hosted-repos.ts';

describe('git http-backend CGI head', () => {
  it('reads the status and headers, and hands back the body that followed', () => {
    const head = parseCgiHead(
      Buffer.from(
        'Status: 404 Not Found\r\nContent-Type: text/plain\r\nExpires: never\r\n\r\nRepository not found',
      ),
    );
    expect(head?.status).toBe(404);
    expect(head?.headers).toEqual({ 'content-type': 'text/plain', expires: 'never' });
    expect(head?.rest.toString()).toBe('Repository not found');
  });

  it('waits for the blank line, defaults to 200, and drops hop-by-hop and malformed headers', () => {
    expect(parseCgiHead(Buffer.from('Content-Type: x\r\n'))).toBeUndefined();
    const head = parseCgiHead(
      Buffer.from(
        'Content-Type: application/x-git-receive-pack-result\nConnection: keep-alive\nTransfer-Encoding: chunked\nBad Name: x\n\n0000',
      ),
    );
    expect(head?.status).toBe(200);
    expect(head?.headers).toEqual({ 'content-type': 'application/x-git-receive-pack-result' });
    expect(head?.rest.toString()).toBe('0000');
  });
});

describe('hosted repositories', () => {
  it('serves every repository with Berth hooks, fsck and the push limit, as command-line config', () => {
    const config = new Map(hardenedConfig({ maxPushBytes: 1234 }, '/data/git/hooks'));
    expect(config.get('core.hooksPath')).toBe('/data/git/hooks');
    expect(config.get('receive.fsckObjects')).toBe('true');
    expect(config.get('receive.maxInputSize')).toBe('1234');
    expect(config.get('uploadpack.allowAnySHA1InWant')).toBe('false');
    const env = configEnvironment([
      ['a.b', '1'],
      ['c.d', 'two'],
    ]);
    expect(env).toEqual({
      GIT_CONFIG_COUNT: '2',
      GIT_CONFIG_KEY_0: 'a.b',
      GIT_CONFIG_VALUE_0: '1',
      GIT_CONFIG_KEY_1: 'c.d',
      GIT_CONFIG_VALUE_1: 'two',
    });
  });

  it('makes repository paths of app codes only', () => {
    expect(hostedRepoDir('/data', 'shop')).toBe('/data/git/repos/shop.git');
    for (const bad of ['../x', 'a/b', 'Shop', '', '.git', 'x'.repeat(40)])
      expect(() => hostedRepoDir('/data', bad), bad).toThrow();
  });

  it('gives the remote address on the public URL', () => {
    expect(gitRemoteUrl('https://berth.example.com/', 'shop')).toBe('https://berth.example.com/git/shop.git');
    expect(gitRemoteUrl('http://10.0.0.5:8080', 'shop')).toBe('http://10.0.0.5:8080/git/shop.git');
  });
});
