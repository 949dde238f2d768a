/**
 * Pieces the platforms' link builders share: a commit SHA is only linked when it is hex, path segments are encoded
 * one by one, and a location in a commit message has no file link.
 *
 * @example
 * const sha = linkableSha(location.commit)           // undefined unless 7–64 hex digits
 * `${base}/blob/${sha}/${encodePath('dir/a b.txt')}`  // dir/a%20b.txt
 */
import type { LinkedLocation } from './platform.js'
import { COMMIT_MESSAGE_PATH } from './types.js'

export function linkableSha(commit: string | undefined): string | undefined {
  return commit && /^[0-9a-f]{7,64}$/i.test(commit) ? commit : undefined
}

/** `a/b c` → `a/b%20c`; leading slashes dropped. */
export function encodePath(path: string): string {
  return path.replace(/^\/+/, '').split('/').map(encodeURIComponent).join('/')
}

/** The file path of a location, or undefined for a commit message. */
export function filePath(location: LinkedLocation): string | undefined {
  return location.path && location.path !== COMMIT_MESSAGE_PATH ? location.path : undefined
}

/** `refs/heads/main` → `main`. */
export function branchName(location: LinkedLocation): string | undefined {
  return location.branch?.replace(/^refs\/heads\//, '') || undefined
}
