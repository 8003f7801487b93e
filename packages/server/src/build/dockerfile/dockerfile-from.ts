// The images a Dockerfile starts from (its FROM lines), so a build can fail at once with a clear
// error when one is not on this host: Berth never pulls, and the engine's own attempt would only
// fail after a registry time-out.
export interface FromImage {
  /** The image reference as written (`berth/stack-node:24`). */
  ref: string;
  line: number;
}

/** FROM references that must exist locally: not `scratch`, not an earlier stage, not built from ARGs. */
export function externalFromImages(dockerfile: string): FromImage[] {
  const stages = new Set<string>();
  const found: FromImage[] = [];
  for (const { text, line } of logicalLines(dockerfile)) {
    const words = text.trim().split(/\s+/);
    if (words[0]?.toUpperCase() !== 'FROM') continue;
    const args = words.slice(1).filter((w) => !w.startsWith('--'));
    const ref = args[0];
    if (!ref) continue;
    if (args[1]?.toUpperCase() === 'AS' && args[2]) stages.add(args[2].toLowerCase());
    if (ref.toLowerCase() === 'scratch' || ref.includes('$') || stages.has(ref.toLowerCase())) continue;
    found.push({ ref, line });
  }
  return found;
}

/** Joins `\`-continued lines and drops comment lines; `line` is where each instruction starts. */
function logicalLines(text: string): Array<{ text: string; line: number }> {
  const out: Array<{ text: string; line: number }> = [];
  let current = '';
  let start = 0;
  text.split(/\r?\n/).forEach((raw, i) => {
    const trimmed = raw.trim();
    if (trimmed.startsWith('#')) return;
    if (current === '') start = i + 1;
    if (trimmed.endsWith('\\')) {
      current += `${trimmed.slice(0, -1)} `;
      return;
    }
    current += trimmed;
    if (current.trim() !== '') out.push({ text: current, line: start });
    current = '';
  });
  if (current.trim() !== '') out.push({ text: current, line: start });
  return out;
}
