/**
 * Reading a webhook's body, shared by the platforms' webhook receivers: the text and its size in bytes
 * (`deliveries.body_bytes`; the text's length counts UTF-16 units), and the JSON object it must hold.
 *
 * @example
 * const { raw, bytes } = await readBody(request)
 * const payload = parseJsonObject(raw, request.headers.get('content-type') ?? undefined) // undefined: a 400
 */

export async function readBody(request: Request): Promise<{ raw: string; bytes: number }> {
  const buffer = await request.arrayBuffer()
  return { raw: new TextDecoder().decode(buffer), bytes: buffer.byteLength }
}

/** JSON body, or GitHub's form encoding (`payload=<json>`). Undefined unless it is a JSON object. */
export function parseJsonObject(raw: string, contentType: string | undefined): object | undefined {
  let text = raw
  if (contentType?.startsWith('application/x-www-form-urlencoded')) text = new URLSearchParams(raw).get('payload') ?? ''
  try {
    const value: unknown = JSON.parse(text)
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? value : undefined
  } catch {
    return undefined
  }
}
