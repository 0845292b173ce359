# The relaxed-SIMD WebAssembly build (SPRIG_WASM_RELAXED): kernels/<family>/wasmrelaxedsimd.c
# compiled by a clang that emits the standardized relaxed-SIMD opcodes, the rest of sprig
# compiled by emcc as in the SIMD128 build, everything linked by emcc.
#
# Why this way: emscripten 3.1.6's clang 14 emits the pre-standard relaxed opcodes (node 20
# rejects them even with --experimental-wasm-relaxed-simd), and its binaryen parses only those,
# so no binaryen pass may rewrite a module holding the standard ones. clang >= 16 (Debian's
# clang-19) emits the standard opcodes into objects for --target=wasm32-unknown-emscripten that
# emscripten's wasm-ld links like its own (the linker does not decode instruction bodies). After
# linking, emcc 3.1.6 runs binaryen twice at most: wasm-opt, whenever the link is -O2 or higher
# (and for other reasons: int64 legalization of the JS interface, dyncalls), and
# wasm-emscripten-finalize, which then only reads the module's imports and exports for its
# metadata (without writing a module, it does not parse function bodies). So every program
# linked against this sprig links with -O1 (compile options stay as they are), -sWASM_BIGINT (no
# i64 legalization, no dyncalls) and -sERROR_ON_WASM_CHANGES_AFTER_LINK, which makes emcc fail
# rather than let a binaryen pass rewrite the module. These are INTERFACE link options of sprig.
# A module built so runs only on engines with relaxed SIMD (node 20: --experimental-wasm-relaxed-simd);
# the embedder ships it next to the SIMD128 build and chooses (docs/wasm-relaxed.md).

set(SPRIG_WASM_RELAXED_CC "" CACHE FILEPATH
  "clang for the relaxed-SIMD kernels (standard opcodes: clang >= 16; empty: find clang-19)")
if(NOT SPRIG_WASM_RELAXED_CC)
  find_program(sprig_relaxed_clang NAMES clang-19 clang-18 clang-17 clang-16)
  if(NOT sprig_relaxed_clang)
    message(FATAL_ERROR "SPRIG_WASM_RELAXED needs clang >= 16 (apt-get install clang-19 lld-19) "
      "or -DSPRIG_WASM_RELAXED_CC=<clang>")
  endif()
  set(SPRIG_WASM_RELAXED_CC ${sprig_relaxed_clang} CACHE FILEPATH "" FORCE)
endif()
if(NOT DEFINED EMSCRIPTEN_SYSROOT)
  # The platform file sets EMSCRIPTEN_SYSROOT from `em-config CACHE` in later emscriptens.
  execute_process(COMMAND em-config CACHE OUTPUT_VARIABLE sprig_em_cache OUTPUT_STRIP_TRAILING_WHITESPACE)
  set(EMSCRIPTEN_SYSROOT ${sprig_em_cache}/sysroot)
endif()

# sprig_wasm_relaxed_compile(SOURCE OBJECT DEFINITIONS...): compiles SOURCE with
# SPRIG_WASM_RELAXED_CC into OBJECT (always -O3: the relaxed files are kernels and probes), with
# sprig's warnings and include directories; the object is for add_library / target_sources.
function(sprig_wasm_relaxed_compile source object)
  set(definitions "")
  foreach(definition ${ARGN})
    list(APPEND definitions -D${definition})
  endforeach()
  set(warnings -Wall -Wextra -Wshadow -Wstrict-prototypes -Wvla)
  if(SPRIG_WERROR)
    list(APPEND warnings -Werror)
  endif()
  get_filename_component(source_dir ${source} DIRECTORY)
  get_filename_component(object_dir ${object} DIRECTORY)
  file(MAKE_DIRECTORY ${object_dir})
  file(GLOB headers ${PROJECT_SOURCE_DIR}/kernels/isa/*.h ${PROJECT_SOURCE_DIR}/src/sprig/*.h
    ${source_dir}/*.h ${source_dir}/*.inc)
  file(RELATIVE_PATH name ${PROJECT_SOURCE_DIR} ${source})
  add_custom_command(OUTPUT ${object}
    COMMAND ${SPRIG_WASM_RELAXED_CC} --target=wasm32-unknown-emscripten --sysroot=${EMSCRIPTEN_SYSROOT}
      -mcpu=mvp -msign-ext -mmutable-globals -msimd128 -mrelaxed-simd -std=c11 -O3 -fvisibility=hidden
      ${warnings} ${definitions} -DSPRIG_BUILDING=1 -DSPRIG_STATIC=1
      -I${PROJECT_SOURCE_DIR}/src -I${PROJECT_SOURCE_DIR}/kernels -I${PROJECT_SOURCE_DIR}/include
      -I${PROJECT_SOURCE_DIR}/src/compat -c ${source} -o ${object}
    DEPENDS ${source} ${headers}
    COMMENT "Compiling ${name} (relaxed SIMD) with ${SPRIG_WASM_RELAXED_CC}"
    VERBATIM)
  set_source_files_properties(${object} PROPERTIES EXTERNAL_OBJECT ON GENERATED ON)
endfunction()

# sprig_wasm_relaxed_objects(OUT_VAR DEFINITIONS...): each family's wasmrelaxedsimd.c compiled;
# OUT_VAR: the objects.
function(sprig_wasm_relaxed_objects out_var)
  set(objects "")
  foreach(family ${SPRIG_KERNEL_FAMILIES})
    set(source ${PROJECT_SOURCE_DIR}/kernels/${family}/wasmrelaxedsimd.c)
    if(EXISTS ${source})
      set(object ${PROJECT_BINARY_DIR}/wasm-relaxed/${family}-wasmrelaxedsimd.o)
      sprig_wasm_relaxed_compile(${source} ${object} ${ARGN})
      list(APPEND objects ${object})
    endif()
  endforeach()
  set(${out_var} ${objects} PARENT_SCOPE)
endfunction()
