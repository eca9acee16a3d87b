#!/usr/bin/env node
// `prisma generate` needs no schema engine, but the CLI tries to download one first unless told where one
// is. Point it at an existing file it will never execute, so generation works offline.
const { spawnSync } = require('node:child_process');

const result = spawnSync(process.execPath, [require.resolve('prisma/build/index.js'), 'generate'], {
  stdio: 'inherit',
  env: {
    ...process.env,
    PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? process.execPath,
  },
});
process.exit(result.status ?? 1);
