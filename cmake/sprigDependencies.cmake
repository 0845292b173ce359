# Defines the imported targets sprig_dep::cpuinfo and sprig_dep::pthreadpool, used by sprig's own
# build and by the installed sprigConfig.cmake. Each one is, in this order:
#   - the target named by SPRIG_CPUINFO_TARGET / SPRIG_PTHREADPOOL_TARGET, if set;
#   - a target named cpuinfo / pthreadpool that already exists (a parent project that builds
#     them, or imports its own), so that sprig and its parent share one copy;
#   - the system library (Debian ships no CMake packages for them).
# Skipped for Emscripten (sprig has a serial pthreadpool stand-in and no cpuinfo).
if(EMSCRIPTEN)
  return()
endif()

# sprig_import_library(TARGET HEADER LIBRARY EXISTING_TARGET)
function(sprig_import_library target header library existing)
  if(TARGET ${target})
    return()
  endif()
  if(existing)
    if(NOT TARGET ${existing})
      message(FATAL_ERROR "sprig: '${existing}' (named for ${library}) is not a target")
    endif()
    add_library(${target} INTERFACE IMPORTED)
    set_target_properties(${target} PROPERTIES INTERFACE_LINK_LIBRARIES ${existing})
    return()
  endif()
  if(TARGET ${library})
    add_library(${target} INTERFACE IMPORTED)
    set_target_properties(${target} PROPERTIES INTERFACE_LINK_LIBRARIES ${library})
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
  if(library STREQUAL "pthreadpool")
    find_package(Threads REQUIRED)
    set_property(TARGET ${target} APPEND PROPERTY INTERFACE_LINK_LIBRARIES Threads::Threads)
  endif()
endfunction()

sprig_import_library(sprig_dep::cpuinfo cpuinfo.h cpuinfo "${SPRIG_CPUINFO_TARGET}")
sprig_import_library(sprig_dep::pthreadpool pthreadpool.h pthreadpool "${SPRIG_PTHREADPOOL_TARGET}")
