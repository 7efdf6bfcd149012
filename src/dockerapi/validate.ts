// Reading docker's JSON bodies with their types checked: a wrong type is a 400 naming the
// field (as moby's "json: cannot unmarshal ... into Go struct field X of type Y"), never a crash
// further down.
import { badRequest } from './errors.ts';

export type Obj = Record<string, unknown>;

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

function wrong(field: string, want: string, v: unknown): Error {
  return badRequest(`json: cannot unmarshal ${typeName(v)} into Go struct field ${field} of type ${want}`);
}

/** An object field (undefined/null: absent). */
export function obj(o: Obj | undefined, k: string, field: string): Obj | undefined {
  const v = o?.[k];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) throw wrong(field, 'object', v);
  return v as Obj;
}

export function str(o: Obj | undefined, k: string, field: string): string | undefined {
  const v = o?.[k];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw wrong(field, 'string', v);
  return v;
}

export function bool(o: Obj | undefined, k: string, field: string): boolean | undefined {
  const v = o?.[k];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw wrong(field, 'bool', v);
  return v;
}

export function int(o: Obj | undefined, k: string, field: string): number | undefined {
  const v = o?.[k];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw wrong(field, 'int64', v);
  return v;
}

export function strList(o: Obj | undefined, k: string, field: string): string[] | undefined {
  const v = o?.[k];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw wrong(field, '[]string', v);
  return v as string[];
}

/** docker's StrSlice (Cmd, Entrypoint): a list, or one string. */
export function strSlice(o: Obj | undefined, k: string, field: string): string[] | undefined {
  const v = o?.[k];
  if (typeof v === 'string') return [v];
  return strList(o, k, field);
}

export function strMap(o: Obj | undefined, k: string, field: string): Record<string, string> | undefined {
  const m = obj(o, k, field);
  if (!m) return undefined;
  for (const [key, v] of Object.entries(m)) if (typeof v !== 'string') throw wrong(`${field}.${key}`, 'string', v);
  return m as Record<string, string>;
}

/** The body itself: an object, or a 400. */
export function body(v: unknown, what: string): Obj {
  if (v === undefined) throw badRequest(`${what} cannot be empty`);
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw badRequest(`json: cannot unmarshal ${typeName(v)} into Go value of type ${what}`);
  return v as Obj;
}
