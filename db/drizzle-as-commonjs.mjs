/**
 * Loads drizzle-orm from its CommonJS build. Node's ES module loader re-reads the package.json
 * scope of every `.js` file it resolves and copies all its fields, so each of drizzle-orm's ~110
 * ES module files re-parses its 179 KB package.json: loading drizzle-orm cost 1.8 CPU seconds per
 * process on Node 24.22, its CommonJS build 0.3 (`npm run bench:startup`). Most `nas` commands load
 * it, and the tests run hundreds of them. Imported first by cli/nas.mjs, this makes every later
 * `import ... from 'drizzle-orm...'` of the process resolve through the package's `require`
 * condition: one drizzle-orm instance, the same API. (Vitest resolves packages itself and does
 * not pay this.)
 */
import * as nodeModule from 'node:module';

const FLAG = Symbol.for('nas.drizzle-as-commonjs');
const COMMONJS_CONDITIONS = ['require', 'node', 'default'];

// registerHooks arrived in Node 22.15; before it drizzle-orm loads the slow way.
if (typeof nodeModule.registerHooks === 'function' && !globalThis[FLAG]) {
  globalThis[FLAG] = true;
  nodeModule.registerHooks({
    resolve(specifier, context, nextResolve) {
      if (specifier === 'drizzle-orm' || specifier.startsWith('drizzle-orm/')) {
        return nextResolve(specifier, { ...context, conditions: COMMONJS_CONDITIONS });
      }
      return nextResolve(specifier, context);
    },
  });
}
