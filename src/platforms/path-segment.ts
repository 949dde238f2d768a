/**
 * One segment of a URL path built from a pushed name or id. Percent-encoding keeps `/`, `?` and `#` in the segment,
 * but URL parsers still resolve a segment that is `.` or `..` (also written `%2e`), so such a segment is refused
 * outright: an authenticated call must never reach another path on the configured host. The webhook parsers already
 * refuse such names (each platform's rules); this is the second line at the place where paths are built.
 *
 * @example
 * `/repos/${pathSegment(owner)}/${pathSegment(name)}`   // pathSegment('..') throws
 */
import { RemoteError } from './remote-error.js'

export function pathSegment(value: string): string {
  if (value === '' || value === '.' || value === '..')
    throw new RemoteError('permanent', `"${value}" cannot be a segment of an API path`)
  return encodeURIComponent(value)
}

/** A `/`-separated file path, each part a segment. */
export function pathSegments(path: string): string {
  return path.split('/').map(pathSegment).join('/')
}
