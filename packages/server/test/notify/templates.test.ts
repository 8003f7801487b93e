// The notification words: every event type has a headline in both languages, every fact a label in
// both; what an event says reaches the text, the robots' Markdown and the mail's HTML, made safe for
// each.
import { NOTIFY_EVENTS, NOTIFY_LANGUAGES, type NotifyEvent } from '@berth/sdk';
import { describe, expect, it } from 'vitest';
import { HEADLINES, LABELS, render } from '../../src/notify/templates.ts';

const at = Date.UTC(2026, 11, 5, 8, 30, 0);

function event(type: NotifyEvent['type'], extra: Partial<NotifyEvent> = {}): NotifyEvent {
  return { type, app: 'shop', env: 'prod', at, actor: 'mei', ...extra };
}

describe('notification templates', () => {
  it('have a headline in every language for every event type and the test', () => {
    expect(Object.keys(HEADLINES).sort()).toEqual([...NOTIFY_EVENTS, 'test'].sort());
    for (const type of NOTIFY_EVENTS) {
      // An API gateway permission request names the calling app and the API, not an environment.
      const apigw = type.startsWith('apigw.');
      const extra = apigw ? { caller: 'shop', system: 'BK_SOPS', component: 'get_task' } : {};
      const en = render(event(type, extra), 'en').title;
      const zh = render(event(type, extra), 'zh-CN').title;
      for (const expected of apigw ? ['shop', 'BK_SOPS/get_task'] : ['shop/prod']) {
        expect(en, type).toContain(expected);
        expect(zh, type).toContain(expected);
      }
      expect(zh, type).not.toBe(en);
      expect(zh, type).toMatch(/[\u4e00-\u9fff]/);
      expect(en, type).not.toMatch(/[\u4e00-\u9fff]/);
    }
    // The event types' headlines all differ from each other.
    for (const language of NOTIFY_LANGUAGES) {
      const titles = NOTIFY_EVENTS.map((type) => render(event(type, { caller: 'shop' }), language).title);
      expect(new Set(titles).size).toBe(NOTIFY_EVENTS.length);
    }
  });

  it('say a permission request: the calling app and the API as facts, no environment', () => {
    const filed = event('apigw.request.filed', {
      app: 'sops',
      caller: 'shop',
      system: 'BK_SOPS',
      note: 'the shop shows task status',
    });
    const { title, text } = render(filed, 'en');
    expect(title).toBe('mei asks that shop may call BK_SOPS/*');
    expect(text).toContain('App: sops\n');
    expect(text).toContain('Calling app: shop\n');
    expect(text).toContain('API: BK_SOPS/*\n');
    expect(text).toContain('Note: the shop shows task status\n');
    expect(text).not.toContain('Environment');
    expect(render(filed, 'zh-CN').text).toContain('调用方应用: shop\n');
  });

  it('label every fact in both languages', () => {
    expect(Object.keys(LABELS['zh-CN']).sort()).toEqual(Object.keys(LABELS.en).sort());
    for (const [fact, label] of Object.entries(LABELS['zh-CN']))
      expect(label, fact).not.toBe(LABELS.en[fact as never]);
  });

  it("say an app's message: its title in the headline, its level and content as facts", () => {
    const message = event('app.message', {
      title: 'Backup <done>',
      content: 'All *3* saved',
      level: 'warning',
    });
    const en = render(message, 'en');
    expect(en.title).toBe('Message from shop/prod: Backup <done>');
    expect(en.text).toContain('Level: warning');
    expect(en.text).toContain('Message: All *3* saved');
    expect(en.markdown).toContain('All \\*3\\* saved');
    expect(en.html).toContain('Backup &lt;done&gt;');
    expect(render(message, 'zh-CN').text).toContain('内容: All *3* saved');
  });

  it('put what the event says into the text, Markdown and HTML', () => {
    const failed = event('deploy.failed', {
      release: 12,
      kind: 'build',
      error: { code: 'BUILD_FAILED', message: 'npm ci failed' },
      url: 'https://apps.example.com/o/shop/',
    });
    const en = render(failed, 'en');
    expect(en.title).toBe('Deploy of shop/prod failed');
    expect(en.text.split('\n')).toEqual([
      'Deploy of shop/prod failed',
      '',
      'App: shop',
      'Environment: prod',
      'By: mei',
      'Kind: build',
      'Release: v12',
      'Error: npm ci failed (BUILD_FAILED)',
      'Link: https://apps.example.com/o/shop/',
      'Time: 2026-12-05T08:30:00.000Z',
    ]);
    expect(en.markdown).toContain('- **Release**: v12');
    expect(en.markdown).toContain('[https://apps.example.com/o/shop/](https://apps.example.com/o/shop/)');
    expect(en.html).toContain('<a href="https://apps.example.com/o/shop/">');
    const zh = render(failed, 'zh-CN');
    expect(zh.text).toContain('版本: v12');
    expect(zh.text).toContain('错误: npm ci failed (BUILD_FAILED)');
  });

  it('name the platform when nobody caused the event', () => {
    expect(render(event('request.filed', { actor: undefined }), 'en').title).toBe(
      'Berth asks to deploy shop/prod',
    );
  });

  it('make what people wrote harmless in HTML and Markdown', () => {
    const filed = event('request.filed', { note: '<script>alert(1)</script> *now* [x](http://evil)' });
    const { html, markdown, text } = render(filed, 'en');
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(markdown).toContain('\\*now\\* \\[x\\](http://evil)');
    expect(text).toContain('Note: <script>alert(1)</script> *now* [x](http://evil)');
    // A link that is not http(s) is shown, not linked.
    const odd = render(event('deploy.succeeded', { url: 'javascript:alert(1)' }), 'en');
    expect(odd.html).not.toContain('href=');
    expect(odd.markdown).not.toContain('](javascript');
  });
});
