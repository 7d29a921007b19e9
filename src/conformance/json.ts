/**
 * A JSON parser that keeps integers exact: integers beyond 2^53 become bigints (plain `JSON.parse` silently
 * rounds them, and the JAM test vectors hold 64-bit register values).
 */
import { InvalidArgumentError } from '../errors.js';

export type JsonValue = null | boolean | number | bigint | string | JsonValue[] | { [key: string]: JsonValue };

/** Parses JSON text; integers outside the safe range become bigints. */
export function parseJson(text: string): JsonValue {
  let at = 0;
  const fail = (message: string): never => {
    throw new InvalidArgumentError(`invalid JSON at offset ${at}: ${message}`);
  };
  const skipSpace = (): void => {
    while (at < text.length) {
      const c = text.charCodeAt(at);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) at++;
      else break;
    }
  };
  const value = (depth: number): JsonValue => {
    if (depth > 512) fail('nesting too deep');
    skipSpace();
    const c = text[at];
    if (c === '{') {
      at++;
      const object: { [key: string]: JsonValue } = {};
      skipSpace();
      if (text[at] === '}') {
        at++;
        return object;
      }
      for (;;) {
        skipSpace();
        if (text[at] !== '"') fail('expected a string key');
        const key = string();
        skipSpace();
        if (text[at] !== ':') fail("expected ':'");
        at++;
        object[key] = value(depth + 1);
        skipSpace();
        if (text[at] === ',') {
          at++;
          continue;
        }
        if (text[at] === '}') {
          at++;
          return object;
        }
        fail("expected ',' or '}'");
      }
    }
    if (c === '[') {
      at++;
      const array: JsonValue[] = [];
      skipSpace();
      if (text[at] === ']') {
        at++;
        return array;
      }
      for (;;) {
        array.push(value(depth + 1));
        skipSpace();
        if (text[at] === ',') {
          at++;
          continue;
        }
        if (text[at] === ']') {
          at++;
          return array;
        }
        fail("expected ',' or ']'");
      }
    }
    if (c === '"') return string();
    if (text.startsWith('true', at)) {
      at += 4;
      return true;
    }
    if (text.startsWith('false', at)) {
      at += 5;
      return false;
    }
    if (text.startsWith('null', at)) {
      at += 4;
      return null;
    }
    return number();
  };
  const string = (): string => {
    const start = at;
    at++;
    let simple = true;
    while (at < text.length && text[at] !== '"') {
      if (text[at] === '\\') {
        simple = false;
        at++;
      }
      at++;
    }
    if (at >= text.length) fail('unterminated string');
    at++;
    const raw = text.slice(start, at);
    return simple ? raw.slice(1, -1) : (JSON.parse(raw) as string);
  };
  const number = (): number | bigint => {
    const match = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(at, at + 400));
    if (match === null) return fail('unexpected character');
    at += match[0].length;
    if (match[2] === undefined && match[3] === undefined) {
      const asNumber = Number(match[0]);
      return Number.isSafeInteger(asNumber) ? asNumber : BigInt(match[0]);
    }
    return Number(match[0]);
  };
  const result = value(0);
  skipSpace();
  if (at !== text.length) fail('trailing characters');
  return result;
}
