// Emscripten programs do not see the host environment by default; sprig-bench reads
// SPRIG_FORCE_ISA and SPRIG_LOG_LEVEL (through sprig), so copy node's environment in first.
Module['preRun'] = Module['preRun'] || [];
Module['preRun'].push(function () {
  for (var name in process.env) {
    ENV[name] = process.env[name];
  }
});
