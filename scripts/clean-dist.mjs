#!/usr/bin/env node
// Removes the package's dist/ before it is built, so files of an older layout (a module renamed or
// moved) never linger in the build or the packed tarball.
import { rmSync } from 'node:fs';

rmSync('dist', { recursive: true, force: true });
