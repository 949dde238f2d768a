/**
 * The `patrol` command line. One subcommand today: `patrol scan` (see src/cli/scan-command.ts);
 * `patrol --version` prints the version. Compiled to dist/cli.js, which bin/patrol.js runs.
 * Exit codes: 0 nothing of high confidence found, 1 something found, 2 usage or input error.
 *
 * @example
 * // $ patrol scan --format json src/
 * await main(['scan', '--format', 'json', 'src/'])
 */
import { runScan, USAGE } from './cli/scan-command.js'
import { packageVersion } from './cli/version.js'

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv
  if (command === 'scan') return runScan(rest)
  if (command === '--version' || command === '-v' || command === 'version') {
    process.stdout.write(`patrol ${packageVersion()}\n`)
    return 0
  }
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(USAGE)
    return command === undefined ? 2 : 0
  }
  process.stderr.write(`patrol: unknown command '${command}'\n\n${USAGE}`)
  return 2
}

process.exitCode = await main(process.argv.slice(2))
