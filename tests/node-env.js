// Emscripten programs do not see the host environment by default; the tests read
// SPRIG_FORCE_ISA and SPRIG_LOG_LEVEL, so copy node's environment in before main() runs.
Module['preRun'] = Module['preRun'] || [];
Module['preRun'].push(function () {
  for (var name in process.env) {
    ENV[name] = process.env[name];
  }
});
