/** Postgres wire protocol messages the database endpoint reads and writes. */

export const SSL_REQUEST = 80877103;
export const GSS_REQUEST = 80877104;
export const CANCEL_REQUEST = 80877102;
export const PROTOCOL_3 = 196608;
const READY_FOR_QUERY = 0x5a; // 'Z'
const IDLE = 0x49; // 'I'
const NOTICE_RESPONSE = 0x4e; // 'N'

/** A protocol message: its type byte, its length, its body. */
export function message(type: string, body: Buffer): Buffer {
  const out = Buffer.alloc(5 + body.length);
  out.write(type, 0);
  out.writeInt32BE(4 + body.length, 1);
  body.copy(out, 5);
  return out;
}

export function passwordMessage(password: string): Buffer {
  return message('p', Buffer.from(`${password}\0`));
}

export function simpleQuery(text: string): Buffer {
  return message('Q', Buffer.from(`${text}\0`));
}

export function errorResponse(code: string, text: string, severity = 'ERROR'): Buffer {
  return message('E', Buffer.from(`S${severity}\0V${severity}\0C${code}\0M${text}\0\0`));
}

export function readyForQuery(): Buffer {
  return message('Z', Buffer.from([IDLE]));
}

export function md5Request(salt: Buffer): Buffer {
  const request = Buffer.alloc(13);
  request.write('R', 0);
  request.writeInt32BE(12, 1);
  request.writeInt32BE(5, 5);
  salt.copy(request, 9);
  return request;
}

/** The NUL-terminated strings of a message body, from `offset`. */
export function cstrings(message: Buffer, offset: number, count: number): string[] {
  const out: string[] = [];
  for (let at = offset; out.length < count; ) {
    const end = message.indexOf(0, at);
    if (end < 0) return out;
    out.push(message.subarray(at, end).toString());
    at = end + 1;
  }
  return out;
}

export function startupParameters(message: Buffer): Record<string, string> {
  const parts = message.subarray(8).toString().split('\0');
  const parameters: Record<string, string> = {};
  for (let i = 0; i + 1 < parts.length && parts[i] !== ''; i += 2) parameters[parts[i]] = parts[i + 1];
  return parameters;
}

export function startupMessage(parameters: Record<string, string>): Buffer {
  const body = Buffer.from(
    `${Object.entries(parameters)
      .map(([k, v]) => `${k}\0${v}\0`)
      .join('')}\0`,
  );
  const out = Buffer.alloc(8 + body.length);
  out.writeInt32BE(out.length, 0);
  out.writeInt32BE(PROTOCOL_3, 4);
  body.copy(out, 8);
  return out;
}

/**
 * The endpoint runs each client's statements inside a read-only transaction of its own: the
 * client is told it is idle, as it would be without that transaction (every ReadyForQuery
 * rewritten to status I). PGlite's own responses are well formed.
 */
export function asIdle(response: Buffer): Buffer {
  for (let at = 0; at + 5 <= response.length; at += 1 + response.readInt32BE(at + 1)) {
    if (response[at] === READY_FOR_QUERY) response[at + 5] = IDLE;
  }
  return response;
}

/** The messages of a response, each with its type byte. */
export function* messagesOf(response: Buffer): Generator<Buffer> {
  for (let at = 0; at + 5 <= response.length; ) {
    const end = at + 1 + response.readInt32BE(at + 1);
    yield response.subarray(at, end);
    at = end;
  }
}

/** The first column of a DataRow as text, null when it is NULL. */
export function dataRowText(row: Buffer): string | null {
  const length = row.readInt32BE(7);
  return length < 0 ? null : row.subarray(11, 11 + length).toString();
}

/**
 * The response without its NoticeResponse messages: PGlite reports each statement it parses and
 * binds as a DEBUG notice, and a reader of the owner's database has no use for its notices.
 */
export function withoutNotices(response: Buffer): Buffer {
  const kept: Buffer[] = [];
  for (const message of messagesOf(response)) if (message[0] !== NOTICE_RESPONSE) kept.push(message);
  return kept.length === 1 ? kept[0] : Buffer.concat(kept);
}
