/** Parses CSV as `nas --format csv` writes it (RFC 4180 quoting) into records under its header line. */
export function parseCsv(text: string): Record<string, string>[] {
  const lines = splitRecords(text.trimEnd());
  const [header, ...rows] = lines;
  return rows.map((cells) => Object.fromEntries(header.map((field, i) => [field, cells[i]])));
}

function splitRecords(text: string): string[][] {
  const records: string[][] = [[]];
  let cell = '';
  let quoted = false;
  const endCell = () => {
    records.at(-1)!.push(cell);
    cell = '';
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted && c === '"' && text[i + 1] === '"') {
      cell += '"';
      i++;
    } else if (c === '"') quoted = !quoted;
    else if (!quoted && c === ',') endCell();
    else if (!quoted && c === '\n') {
      endCell();
      records.push([]);
    } else cell += c;
  }
  endCell();
  return records;
}
