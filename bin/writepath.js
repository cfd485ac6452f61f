#!/usr/bin/env node
// Runs the TypeScript command line under tsx, so `npx writepath` works without a build step.
import { register } from 'tsx/esm/api';

register();
await import('../cli/main.ts');
