#!/usr/bin/env node
require('tsx/cjs');
require('../server/cli/main.ts');
