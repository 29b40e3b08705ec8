/**
 * Small-cell suppression for publication (docs/architecture.md, "Statistics"). Cells counting fewer
 * than `minCell` (but more than none) are hidden. Complementary suppression: a line of cells whose
 * sum is published (a row or column of the table, the table's total, a question's N) must not hold
 * exactly one hidden cell, or the sum less the others gives it away — so the smallest visible cell
 * of such a line is hidden too, until no line has one; a line with no other cell to hide has its
 * sum hidden instead.
 */
export function suppress(counts: readonly number[], lines: readonly (readonly number[])[], minCell: number) {
  const hidden = new Set(counts.flatMap((c, i) => (c > 0 && c < minCell ? [i] : [])));
  const hiddenLines = new Set<number>();
  for (let changed = hidden.size > 0; changed; ) {
    changed = false;
    lines.forEach((line, l) => {
      if (hiddenLines.has(l) || line.filter((i) => hidden.has(i)).length !== 1) return;
      const visible = line.filter((i) => !hidden.has(i) && counts[i] > 0).sort((a, b) => counts[a] - counts[b]);
      if (visible.length) hidden.add(visible[0]);
      else hiddenLines.add(l);
      changed = true;
    });
  }
  return { hidden, hiddenLines };
}

/** The lines of a table of cells keyed by several dimensions: for each, the cells sharing every other key; then the whole table. */
export function linesOf(keys: readonly (readonly (string | null)[])[]): number[][] {
  const width = keys[0]?.length ?? 0;
  const lines: number[][] = [];
  for (let d = 0; d < width && width > 1; d++) {
    const by = new Map<string, number[]>();
    keys.forEach((k, i) => {
      const id = JSON.stringify(k.filter((_, j) => j !== d));
      by.set(id, [...(by.get(id) ?? []), i]);
    });
    lines.push(...by.values());
  }
  lines.push(keys.map((_, i) => i));
  return lines;
}
