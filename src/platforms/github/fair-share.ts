/**
 * The order in which waiting GitHub tokens get a place in a `POST /credentials/revoke` call when more wait than one
 * call carries (issue 14): round robin across commit authors, and within one author across their pushes, so one
 * push of thousands of tokens (or one author's many pushes) cannot make everyone else wait behind it. Pure.
 *
 * @example
 * fairOrder([{ id: 1, push: 7, author: 'a' }, { id: 2, push: 7, author: 'a' }, { id: 3, push: 8, author: 'b' }])
 * // → [1, 3, 2]
 */

export interface WaitingToken {
  id: number
  /** The push that first carried it (null when unknown). */
  push: number | null
  /** Who committed it (author, else pusher address; null when unknown). */
  author: string | null
}

/** Incident ids in the order their tokens should be revoked; `waiting` is oldest first. */
export function fairOrder(waiting: readonly WaitingToken[]): number[] {
  const byAuthor = groups(waiting, (w) => w.author ?? '')
  const perAuthor = byAuthor.map((tokens) => roundRobin(groups(tokens, (w) => String(w.push ?? ''))))
  return roundRobin(perAuthor).map((t) => t.id)
}

/** Items grouped by key, groups in order of their first item, items in their order. */
function groups<T>(items: readonly T[], key: (item: T) => string): T[][] {
  const map = new Map<string, T[]>()
  for (const item of items) {
    const k = key(item)
    const group = map.get(k)
    if (group) group.push(item)
    else map.set(k, [item])
  }
  return [...map.values()]
}

/** The first of each group, then the second of each, and so on. */
function roundRobin<T>(lists: readonly T[][]): T[] {
  const out: T[] = []
  const total = lists.reduce((n, l) => n + l.length, 0)
  for (let i = 0; out.length < total; i++) for (const list of lists) if (i < list.length) out.push(list[i]!)
  return out
}
