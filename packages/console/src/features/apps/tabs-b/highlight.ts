// Splits a log line around the occurrences of the search text, so that the matches can be marked.
// Case-sensitive, like the server's `q` filter (a line matches when it contains the text as is).
export interface TextPart {
  text: string;
  match: boolean;
}

export function splitHighlight(text: string, query: string): TextPart[] {
  if (query === '' || text === '') return text === '' ? [] : [{ text, match: false }];
  const parts: TextPart[] = [];
  let from = 0;
  for (let at = text.indexOf(query); at >= 0; at = text.indexOf(query, from)) {
    if (at > from) parts.push({ text: text.slice(from, at), match: false });
    parts.push({ text: query, match: true });
    from = at + query.length;
  }
  if (from < text.length) parts.push({ text: text.slice(from), match: false });
  return parts;
}
