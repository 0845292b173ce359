# Finds cpuinfo and pthreadpool (Debian ships no CMake packages for them) and defines the
# imported targets sprig_dep::cpuinfo and sprig_dep::pthreadpool. Used by sprig's own build and
# by the installed sprigConfig.cmake. Skipped for Emscripten (sprig has a serial stand-in).
if(EMSCRIPTEN)
  return()
endif()

function(sprig_import_library target header library)
  if(TARGET ${target})
    return()
  endif()
  string(MAKE_C_IDENTIFIER "${library}" var)
  string(TOUPPER "${var}" var)
  find_path(SPRIG_${var}_INCLUDE_DIR ${header})
  find_library(SPRIG_${var}_LIBRARY ${library})
  if(NOT SPRIG_${var}_INCLUDE_DIR OR NOT SPRIG_${var}_LIBRARY)
    message(FATAL_ERROR "sprig needs ${library} (${header}); on Debian: apt-get install lib${library}-dev, "
      "or run scripts/setup-deps.sh")
  endif()
  add_library(${target} UNKNOWN IMPORTED)
  set_target_properties(${target} PROPERTIES
    IMPORTED_LOCATION "${SPRIG_${var}_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${SPRIG_${var}_INCLUDE_DIR}")
endfunction()

find_package(Threads REQUIRED)
sprig_import_library(sprig_dep::cpuinfo cpuinfo.h cpuinfo)
sprig_import_library(sprig_dep::pthreadpool pthreadpool.h pthreadpool)
set_property(TARGET sprig_dep::pthreadpool APPEND PROPERTY INTERFACE_LINK_LIBRARIES Threads::Threads)
