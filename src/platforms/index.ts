/**
 * The platform registry: every platform patrol knows, one line each, and the lookup that everything outside
 * `src/platforms/<id>/` dispatches through. An id that no platform registered is an `UnknownPlatformError`, never a
 * fall-through to another platform. Adding a platform: docs/adding-a-platform.md.
 *
 * @example
 * const p = platform(incident.issuer)                 // throws UnknownPlatformError('gitlab') for an unknown id
 * const links = locationLinks(config, 'github', { repository: 'acme/api', commit: sha })
 */
import type { Config } from '../config.js'
import { azureDevOps } from './azure-devops/index.js'
import { github } from './github/index.js'
import { isPlatformId, PLATFORM_IDS, type PlatformId } from './ids.js'
import { type LinkedLocation, type LocationLinks, type Platform, UnknownPlatformError } from './platform.js'

/**
 * One line per platform; the type asks for every id in ids.ts. Built on first use, not at import: the platforms'
 * response code reaches back here (for links), so a module that imports a platform first would otherwise see this
 * list before the platform's own module has finished loading.
 */
const registered = (): { readonly [id in PlatformId]: Platform } => ({
  github,
  'azure-devops': azureDevOps,
})
let PLATFORMS: ReturnType<typeof registered> | undefined

/** The platform with this id; `UnknownPlatformError` when there is none. */
export function platform(id: string): Platform {
  if (!isPlatformId(id)) throw new UnknownPlatformError(id, PLATFORM_IDS)
  PLATFORMS ??= registered()
  return PLATFORMS[id]
}

/** Every registered platform, in the order of PLATFORM_IDS. */
export function allPlatforms(): Platform[] {
  PLATFORMS ??= registered()
  const list = PLATFORMS
  return PLATFORM_IDS.map((id) => list[id])
}

/** The links of a location on platform `id`; an unknown platform gives its error instead (shown, not thrown). */
export function locationLinks(config: Config, id: string, location: LinkedLocation): LocationLinks | { error: string } {
  try {
    return platform(id).links(config).of(location)
  } catch (error) {
    if (error instanceof UnknownPlatformError) return { error: error.message }
    throw error
  }
}

export { isPlatformId, PLATFORM_IDS, type PlatformId } from './ids.js'
export { type Platform, UnknownPlatformError } from './platform.js'
