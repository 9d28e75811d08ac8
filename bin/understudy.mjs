#!/usr/bin/env node
// The `understudy` command. Runs the TypeScript CLI through tsx so a checkout needs no build step.
import { register } from 'tsx/esm/api';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

register();
const here = dirname(fileURLToPath(import.meta.url));
const { main } = await import(pathToFileURL(join(here, '..', 'electron', 'cli', 'main.ts')).href);
process.exitCode = await main(process.argv.slice(2));
