// The part of undici the client core uses (src/http.ts imports Agent, EnvHttpProxyAgent, errors),
// for the action's bundle only. undici's own entry point also loads fetch, WebSocket, caches,
// mocks and more, which would triple the bundle; this loads the same modules the core needs and
// makes the same one change undici's entry point makes to them (the `request` API on every
// dispatcher). action/build.ts maps "undici" here for the bundle and checks this exports every name
// src/ imports from "undici".
"use strict";
const Dispatcher = require("undici/lib/dispatcher/dispatcher.js");
Object.assign(Dispatcher.prototype, require("undici/lib/api/index.js"));

module.exports = {
  Dispatcher,
  Agent: require("undici/lib/dispatcher/agent.js"),
  EnvHttpProxyAgent: require("undici/lib/dispatcher/env-http-proxy-agent.js"),
  errors: require("undici/lib/core/errors.js"),
};
