/** A separate process that claims and completes jobs until none is left, then prints the ids it ran (queue tests). */
import { openNodeDatabase } from '../../src/adapter/node/database.js'
import { claim, complete } from '../../src/jobs/queue.js'

const [path, worker] = process.argv.slice(2) as [string, string]
const { db, close } = openNodeDatabase(path, { migrate: false })
const ran: number[] = []
for (;;) {
  const job = await claim(db, { worker, now: Date.now(), staleMs: 60_000 })
  if (!job) break
  ran.push(job.id)
  await complete(db, job, Date.now())
}
close()
process.stdout.write(JSON.stringify(ran))
