/**
 * The platform ids and their names, and nothing else: a pure list that the database schema (`text({ enum })`), the
 * API's validation, the admin page's filters and the CLI share without importing any platform's I/O code (the schema
 * is loaded by drizzle-kit and in Workers). The registry (index.ts) maps each id to its `Platform`; the compiler asks
 * for the entry.
 *
 * @example
 * if (isPlatformId(value)) PLATFORM_LABELS[value] // 'GitHub'
 */

/** One line per platform (docs/adding-a-platform.md): its id, and the name people know it by. */
export const PLATFORM_LABELS = {
  github: 'GitHub',
  'azure-devops': 'Azure DevOps',
} as const

export type PlatformId = keyof typeof PLATFORM_LABELS

export const PLATFORM_IDS = Object.keys(PLATFORM_LABELS) as [PlatformId, ...PlatformId[]]

export function isPlatformId(value: string): value is PlatformId {
  return Object.hasOwn(PLATFORM_LABELS, value)
}
