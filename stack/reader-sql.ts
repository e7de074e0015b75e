/**
 * Which SQL the owner of a home runs for other processes: the shape of nas's own read queries.
 *
 * The owner's PGlite runs in the owner's thread and nothing interrupts a statement (PGlite ignores
 * statement_timeout), so a statement is only admitted when its cost is bounded by the data it
 * reads: one SELECT (or WITH ... SELECT) calling only the functions nas's queries call, no
 * recursion, no literal forms that hide a call (dollar quotes, comments). Everything else (SET,
 * BEGIN, pg_sleep, generate_series, ...) is refused with a line pointing at DATABASE_URL.
 */

/** Functions nas's queries (db/queries, dashboard, migrations' checks) and drizzle's helpers call. */
const FUNCTIONS = new Set([
  'abs',
  'array_agg',
  'avg',
  'bool_and',
  'bool_or',
  'ceil',
  'coalesce',
  'count',
  'current_database',
  'date_trunc',
  'decode',
  'dense_rank',
  'encode',
  'exp',
  'extract',
  'floor',
  'greatest',
  'json_agg',
  'json_build_object',
  'jsonb_agg',
  'jsonb_build_object',
  'jsonb_typeof',
  'least',
  'length',
  'ln',
  'lower',
  'max',
  'min',
  'now',
  'nullif',
  'octet_length',
  'pg_database_size',
  'power',
  'rank',
  'round',
  'row_number',
  'sqrt',
  'stddev',
  'stddev_samp',
  'string_agg',
  'sum',
  'to_regclass',
  'trunc',
  'upper',
]);

/** Keywords and type names that a parenthesis may follow without being a function call. */
const KEYWORDS = new Set([
  'all',
  'and',
  'any',
  'array',
  'as',
  'by',
  'case',
  'cast',
  'char',
  'distinct',
  'else',
  'except',
  'exists',
  'filter',
  'from',
  'group',
  'having',
  'in',
  'intersect',
  'interval',
  'is',
  'join',
  'lateral',
  'like',
  'ilike',
  'limit',
  'not',
  'numeric',
  'offset',
  'on',
  'or',
  'order',
  'over',
  'partition',
  'row',
  'select',
  'some',
  'then',
  'timestamp',
  'union',
  'using',
  'values',
  'varchar',
  'when',
  'where',
  'with',
]);

const FIRST_WORDS = new Set(['select', 'with']);
const REFUSED_WORDS = new Set(['recursive']);

/** Why the owner refuses this statement, or null when it is one of the shapes it serves. */
export function refusalOf(text: string): string | null {
  const words = tokens(text);
  if (typeof words === 'string') return words;
  const first = words.find((t) => t.kind === 'word');
  if (!first || !FIRST_WORDS.has(first.value)) return 'only SELECT statements are served';
  for (let i = 0; i < words.length; i++) {
    const token = words[i];
    if (token.kind === 'semicolon' && words.slice(i + 1).length > 0) return 'one statement at a time';
    if (token.kind === 'word' && REFUSED_WORDS.has(token.value)) return `${token.value.toUpperCase()} is not served`;
    const calls = words[i + 1]?.kind === 'open';
    if (!calls || (token.kind !== 'word' && token.kind !== 'quoted')) continue;
    if (words[i - 1]?.kind === 'dot' && token.kind === 'quoted') continue; // "table"."column" never precedes '('
    const known =
      token.kind === 'word' ? FUNCTIONS.has(token.value) || KEYWORDS.has(token.value) : FUNCTIONS.has(token.value);
    if (!known) return `the function ${token.value} is not one nas's queries call`;
  }
  return null;
}

interface Token {
  kind: 'word' | 'quoted' | 'open' | 'dot' | 'semicolon' | 'other';
  value: string;
}

/** The statement's words, quoted identifiers and the punctuation that matters; a string is a refusal. */
function tokens(text: string): Token[] | string {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (/\s/.test(c)) {
      i++;
    } else if (c === "'" || ((c === 'e' || c === 'E') && text[i + 1] === "'" && !/[\w$]/.test(text[i - 1] ?? ''))) {
      const escapes = c !== "'";
      i = endOfString(text, escapes ? i + 1 : i, escapes);
      if (i < 0) return 'an unterminated string';
      out.push({ kind: 'other', value: "'" });
    } else if (c === '"') {
      const end = text.indexOf('"', i + 1);
      if (end < 0) return 'an unterminated quoted name';
      let value = text.slice(i + 1, end);
      i = end + 1;
      while (text[i] === '"') {
        const next = text.indexOf('"', i + 1);
        if (next < 0) return 'an unterminated quoted name';
        value += `"${text.slice(i + 1, next)}`;
        i = next + 1;
      }
      out.push({ kind: 'quoted', value });
    } else if (/[A-Za-z_]/.test(c)) {
      const match = /^[A-Za-z_][A-Za-z0-9_$]*/.exec(text.slice(i))![0];
      out.push({ kind: 'word', value: match.toLowerCase() });
      i += match.length;
    } else if (c === '$') {
      const match = /^\$\d+/.exec(text.slice(i));
      if (!match) return 'dollar quoting is not served';
      out.push({ kind: 'other', value: match[0] });
      i += match[0].length;
    } else if ((c === '-' && text[i + 1] === '-') || (c === '/' && text[i + 1] === '*')) {
      return 'comments are not served';
    } else {
      out.push({ kind: c === '(' ? 'open' : c === '.' ? 'dot' : c === ';' ? 'semicolon' : 'other', value: c });
      i++;
    }
  }
  return out;
}

/** The index after the string literal opening at `start`, or -1. */
function endOfString(text: string, start: number, backslashEscapes: boolean): number {
  let i = start + 1;
  while (i < text.length) {
    if (backslashEscapes && text[i] === '\\') i += 2;
    else if (text[i] === "'" && text[i + 1] === "'") i += 2;
    else if (text[i] === "'") return i + 1;
    else i++;
  }
  return -1;
}
