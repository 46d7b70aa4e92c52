// Types of index.cjs: the same as undici's own for the names it exports. (The
// `/index.js` path keeps the build's `paths` mapping of "undici" from pointing here again.)
export { Agent, Dispatcher, EnvHttpProxyAgent, errors } from "undici/index.js";
