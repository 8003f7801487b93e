// Accessibility of a console page, checked by axe-core inside the page. axe's source (the axe-core
// package's axe.min.js) is evaluated through the DevTools protocol: the console's CSP refuses inline
// scripts, so page.addScriptTag({ content }) is blocked there (as it should be), while an evaluation
// from the debugger is not subject to the page's CSP. Only serious and critical findings fail a
// test; all are printed.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

const AXE_SOURCE = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeFinding {
  id: string;
  impact: string;
  help: string;
  targets: string[];
}

interface AxeResults {
  violations: Array<{
    id: string;
    impact: string | null;
    help: string;
    nodes: Array<{ target: unknown[]; any?: Array<{ message?: string }> }>;
  }>;
}

/** Runs axe-core on the page as it is now; returns every violation (any impact). */
export async function axeViolations(page: Page): Promise<AxeFinding[]> {
  const loaded = await page.evaluate(() => 'axe' in window);
  if (!loaded) await page.evaluate(AXE_SOURCE);
  const results = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(ctx: Document, opts: object): Promise<unknown> } }).axe;
    return (await axe.run(document, {
      resultTypes: ['violations'],
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
    })) as unknown;
  });
  return (results as AxeResults).violations.map((v) => ({
    id: v.id,
    impact: v.impact ?? 'unknown',
    help: v.help,
    // The element, and why (for contrast: the colours and the ratio found).
    targets: v.nodes.map((n) => {
      const why = n.any?.[0]?.message;
      return `${n.target.map(String).join(' ')}${why ? `  (${why})` : ''}`;
    }),
  }));
}

export function isSerious(finding: AxeFinding): boolean {
  return finding.impact === 'serious' || finding.impact === 'critical';
}

export function describeFindings(where: string, findings: readonly AxeFinding[]): string {
  return findings
    .map((f) => `${where}: [${f.impact}] ${f.id}: ${f.help}\n    ${f.targets.slice(0, 8).join('\n    ')}`)
    .join('\n');
}
