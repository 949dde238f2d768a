#!/usr/bin/env node
// Launcher for the `patrol` command: runs the compiled CLI (dist/cli.js, made by `npm run build`,
// which `npm ci`, `npm install` and `npm pack` run through `prepare`). Plain node: no loader at run time.
try {
  await import('../dist/cli.js')
} catch (e) {
  if (e?.code !== 'ERR_MODULE_NOT_FOUND' || !String(e.message).includes('dist/cli.js')) throw e
  process.stderr.write('patrol: dist/cli.js is missing; run `npm run build` in the patrol folder first\n')
  process.exitCode = 2
}
