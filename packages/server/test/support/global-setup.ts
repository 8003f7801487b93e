// Says once, at the top of the test output, which store dialects the suites run on.
import { testDialects } from './databases.ts';

export default function setup(): void {
  // berthd processes the suites spawn (fixtures configured by the BERTH_* env) serve the gateway in
  // their own process unless a test sets gateway workers itself.
  process.env['BERTH_GATEWAY_WORKERS'] ??= '0';
  const ran = testDialects();
  const missing: string[] = [];
  if (!ran.includes('postgres')) missing.push('postgres (set BERTH_TEST_POSTGRES_URL)');
  if (!ran.includes('mysql')) missing.push('mysql (set BERTH_TEST_MYSQL_URL)');
  process.stdout.write(
    `\nstore dialects under test: ${ran.join(', ')}${missing.length ? `; skipped: ${missing.join(', ')}` : ''}\n\n`,
  );
}
