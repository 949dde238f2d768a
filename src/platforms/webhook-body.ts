/**
 * The JSON object a webhook's body must hold, shared by the platforms' webhook parsers.
 *
 * @example
 * const payload = parseJsonObject(raw, request.headers.get('content-type') ?? undefined) // undefined: a 400
 */

/** JSON body, or GitHub's form encoding (`payload=<json>`). Undefined unless it is a JSON object. */
export function parseJsonObject(raw: string, contentType: string | undefined): object | undefined {
  let text = raw
  // Media types are case-insensitive (RFC 9110 §8.3.1).
  if (/^application\/x-www-form-urlencoded\b/i.test(contentType ?? ''))
    text = new URLSearchParams(raw).get('payload') ?? ''
  try {
    const value: unknown = JSON.parse(text)
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? value : undefined
  } catch {
    return undefined
  }
}
