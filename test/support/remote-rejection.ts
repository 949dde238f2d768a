/** The RemoteError a promise rejects with; fails the test when it resolves or rejects with anything else. */
import { expect } from 'vitest'
import { RemoteError } from '../../src/platforms/remote-error.js'

export async function rejection(promise: Promise<unknown>): Promise<RemoteError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(RemoteError)
  return error as RemoteError
}
