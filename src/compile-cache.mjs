// Preloaded by `node --import ./src/compile-cache.mjs src/....ts` (npm start, and the benchmark's
// run of the .ts sources): turns Node's compile cache on (in $NODE_COMPILE_CACHE, else the temp
// dir) before the entry module is compiled. Node strips the types of every .ts module it loads,
// and the first strip of a process loads Node's TypeScript parser, most of a start from the
// sources; with the cache on from the first module, a warm start strips nothing. A cache turned on
// by src/cli/main.ts itself comes after main.ts and its static imports were stripped. Plain
// JavaScript because it must run before any .ts is compiled.
import { enableCompileCache } from 'node:module'

enableCompileCache()
