// The component matcher: exact paths and `{var}` segments (one non-empty segment each, decoded), a
// literal segment beats a var, a method beats ANY, a trailing slash is part of the path.
import { describe, expect, it } from 'vitest';
import { createPathMatcher, type MatcherEntry } from '../../src/apigw/path-matcher.ts';

const entries: MatcherEntry<string>[] = [
  { path: '/v2/sops/get_template_list/{bk_biz_id}/', method: 'GET', value: 'list' },
  { path: '/v2/sops/get_template_list/common/', method: 'GET', value: 'common' },
  { path: '/v2/sops/{action}/{id}/', method: 'ANY', value: 'generic' },
  { path: '/v2/sops/create_task/', method: 'POST', value: 'create' },
  { path: '/v2/sops/create_task/', method: 'ANY', value: 'create-any' },
  { path: '/v2/cc/{a}/x/', method: 'GET', value: 'var-first' },
  { path: '/v2/cc/b/{c}/', method: 'GET', value: 'literal-first' },
  { path: '/no-slash', method: 'GET', value: 'no-slash' },
];
const matcher = createPathMatcher(entries);

describe('createPathMatcher', () => {
  it('matches a templated path and gives its vars, decoded', () => {
    expect(matcher.match('GET', '/v2/sops/get_template_list/2/')).toEqual({
      value: 'list',
      vars: { bk_biz_id: '2' },
    });
    expect(matcher.match('get', '/v2/sops/get_template_list/a%20b/')).toEqual({
      value: 'list',
      vars: { bk_biz_id: 'a b' },
    });
  });

  it('prefers the exact path to a templated one', () => {
    expect(matcher.match('GET', '/v2/sops/get_template_list/common/')).toEqual({ value: 'common', vars: {} });
  });

  it('prefers a literal segment where two templated paths first differ', () => {
    expect(matcher.match('GET', '/v2/cc/b/x/')?.value).toBe('literal-first');
    expect(matcher.match('GET', '/v2/cc/z/x/')?.value).toBe('var-first');
  });

  it('matches ANY for every method, and a method of its own first', () => {
    expect(matcher.match('POST', '/v2/sops/create_task/')?.value).toBe('create');
    expect(matcher.match('DELETE', '/v2/sops/create_task/')?.value).toBe('create-any');
    expect(matcher.match('PUT', '/v2/sops/get_template_list/2/')).toEqual({
      value: 'generic',
      vars: { action: 'get_template_list', id: '2' },
    });
  });

  it('does not match an empty segment, a trailing-slash difference or another length', () => {
    expect(matcher.match('GET', '/v2/sops/get_template_list//')).toBeUndefined();
    expect(matcher.match('GET', '/v2/sops/get_template_list/2')).toBeUndefined();
    expect(matcher.match('GET', '/no-slash/')).toBeUndefined();
    expect(matcher.match('GET', '/no-slash')?.value).toBe('no-slash');
    expect(matcher.match('GET', '/v2/sops/get_template_list/2/more/')).toBeUndefined();
    expect(matcher.match('GET', 'v2/sops/create_task/')).toBeUndefined();
  });

  it('does not match a var that is not valid percent-encoding', () => {
    expect(matcher.match('GET', '/v2/sops/get_template_list/%E0%A4%A/')).toBeUndefined();
  });
});
