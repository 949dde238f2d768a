/**
 * GitHub `push` webhook bodies for the benchmarks, shaped like GitHub's (ref, before/after, commits with their
 * file lists, repository, pusher, sender), padded with realistic commits to a target size. The head commit's SHA
 * is chosen by the caller, so that a stand-in can answer the compare for it.
 *
 * @example
 * const body = JSON.stringify(pushPayload({ repo: 'acme/app', head: sha(7), targetBytes: 8192 }))
 */
import { createHash } from 'node:crypto'

export const BASE_SHA = 'b'.repeat(40)

/** A stable 40-hex commit id for push number `n`. */
export function sha(n: number): string {
  return createHash('sha1').update(`push-${n}`).digest('hex')
}

export function pushPayload(o: { repo: string; head: string; targetBytes?: number }): Record<string, unknown> {
  const [owner, name] = o.repo.split('/')
  const commit = (id: string, i: number) => ({
    id,
    tree_id: createHash('sha1').update(`tree-${id}`).digest('hex'),
    distinct: true,
    message: `Refactor module ${i}: split the request handlers and add tests for the retry path`,
    timestamp: '2026-11-27T12:00:00Z',
    url: `https://github.com/${o.repo}/commit/${id}`,
    author: { name: 'Dev One', email: 'dev@acme.example', username: 'dev-one' },
    committer: { name: 'Dev One', email: 'dev@acme.example', username: 'dev-one' },
    added: [`src/feature-${i}/handler.ts`],
    removed: [],
    modified: [`src/feature-${i}/index.ts`, 'package.json'],
  })
  const head = commit(o.head, 0)
  const payload = {
    ref: 'refs/heads/main',
    before: BASE_SHA,
    after: o.head,
    created: false,
    deleted: false,
    forced: false,
    base_ref: null,
    compare: `https://github.com/${o.repo}/compare/${BASE_SHA.slice(0, 12)}...${o.head.slice(0, 12)}`,
    commits: [head],
    head_commit: head,
    repository: {
      id: 186853002,
      node_id: 'MDEwOlJlcG9zaXRvcnkxODY4NTMwMDI=',
      name,
      full_name: o.repo,
      private: true,
      owner: { name: owner, login: owner, id: 21031067, type: 'User' },
      html_url: `https://github.com/${o.repo}`,
      url: `https://github.com/${o.repo}`,
      default_branch: 'main',
      master_branch: 'main',
    },
    pusher: { name: 'dev-one', email: 'dev@acme.example' },
    sender: { login: 'dev-one', id: 1, type: 'User' },
  }
  // GitHub lists every commit of the push; older ones first. Pad with earlier commits up to the target size.
  for (let i = 1; JSON.stringify(payload).length < (o.targetBytes ?? 0); i++)
    payload.commits.unshift(commit(createHash('sha1').update(`${o.head}-${i}`).digest('hex'), i))
  return payload
}
