// WWW-Authenticate challenges (RFC 7235): `Bearer realm="…",service="…",scope="…"`, `Basic realm="…"`.

export interface Challenge { scheme: string; params: Record<string, string> }

/** Parses every challenge in a header value. Scheme names are lowercased; parameter values keep
 * their case. Commas inside quoted values are respected. */
export function parseChallenges(header: string | string[] | undefined): Challenge[] {
  if (header === undefined) return [];
  const values = Array.isArray(header) ? header : [header];
  const out: Challenge[] = [];
  for (const v of values) {
    let i = 0;
    let cur: Challenge | null = null;
    while (i < v.length) {
      while (i < v.length && /[\s,]/.test(v[i])) i++;
      const tok = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+/.exec(v.slice(i));
      if (!tok) break;
      i += tok[0].length;
      let j = i;
      while (j < v.length && v[j] === ' ') j++;
      if (v[j] === '=' && v[j + 1] !== '=' && cur) {
        // a parameter of the current challenge
        i = j + 1;
        while (i < v.length && v[i] === ' ') i++;
        let value = '';
        if (v[i] === '"') {
          i++;
          while (i < v.length && v[i] !== '"') {
            if (v[i] === '\\' && i + 1 < v.length) i++;
            value += v[i++];
          }
          i++;
        } else {
          const m = /^[^,\s]*/.exec(v.slice(i))!;
          value = m[0];
          i += value.length;
        }
        cur.params[tok[0].toLowerCase()] = value;
      } else {
        cur = { scheme: tok[0].toLowerCase(), params: {} };
        out.push(cur);
        i = j;
      }
    }
  }
  return out;
}
