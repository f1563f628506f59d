#!/usr/bin/env node
// The workspace runs the CLI's TypeScript directly: tsx compiles it on the fly, no build step.
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');
