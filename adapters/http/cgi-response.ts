import { MeshError } from '../../src/errors/mesh-error';

export interface CgiResponse {
  readonly status: number;
  /** Header names lower-cased; repeated headers joined with `,`. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/**
 * A CGI response as PHP writes it on FastCGI's STDOUT (RFC 3875, section 6): header lines, an
 * empty line, the body. `Status: 404 Not Found` sets the status (200 without it). Lines may end
 * in CRLF or LF. Output with no empty line is no response.
 */
export function parseCgiResponse(out: Buffer): CgiResponse {
  const crlf = out.indexOf('\r\n\r\n');
  const lf = out.indexOf('\n\n');
  let end: number;
  let sep: number;
  if (crlf >= 0 && (lf < 0 || crlf < lf)) {
    end = crlf;
    sep = 4;
  } else if (lf >= 0) {
    end = lf;
    sep = 2;
  } else throw new MeshError('UNAVAILABLE', 'FastCGI: the script wrote no CGI header block');
  const headers: Record<string, string> = {};
  let status = 200;
  for (const raw of out.subarray(0, end).toString('latin1').split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line === '') continue;
    const colon = line.indexOf(':');
    if (colon <= 0) throw new MeshError('UNAVAILABLE', `FastCGI: a CGI header line without a name: ${JSON.stringify(line.slice(0, 80))}`);
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === 'status') {
      const code = Number(/^\d{3}/.exec(value)?.[0]);
      if (!Number.isInteger(code)) throw new MeshError('UNAVAILABLE', `FastCGI: a Status header without a status code: ${JSON.stringify(value.slice(0, 80))}`);
      status = code;
      continue;
    }
    headers[name] = headers[name] === undefined ? value : `${headers[name]},${value}`;
  }
  return { status, headers, body: out.subarray(end + sep).toString('utf8') };
}
