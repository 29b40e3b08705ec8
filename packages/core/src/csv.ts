/**
 * A CSV file as RFC 4180 (quoted fields may hold commas, quotes doubled, line breaks), UTF-8 with or
 * without a byte-order mark, header first: the history import's (docs/architecture.md, "Statistics"),
 * read by the server and, for its preview, by the import page.
 */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  const s = text.startsWith('\uFEFF') ? text.slice(1) : text;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (quoted) {
      if (c === '"' && s[i + 1] === '"') field += s[++i];
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && field === '') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && s[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || row.length) rows.push([...row, field]);
  // Blank lines (a trailing line break, say) are no rows.
  return rows.filter((r) => r.length > 1 || r[0].trim() !== '');
}
