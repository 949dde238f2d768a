#!/usr/bin/env node
// Launcher for the `patrol` command: registers tsx so the TypeScript sources run as they are
// (no build step), then hands over to src/cli.ts.
import { register } from 'tsx/esm/api'

register()
await import('../src/cli.ts')
