# brigade_werror(DIR...): -Werror on every target that compiles sources in DIR and the folders below
# it (BRIGADE_WERROR, which the asan preset and so CI turn on). Only the project's own targets get
# it: the flags of imported libraries are untouched, their headers come in as system headers (which
# warn about nothing), and brigade_boost_url, which compiles Boost.URL's own source, is left out.
set(BRIGADE_WERROR_EXEMPT brigade_boost_url)
# GCC 12's flow-based warnings misfire inside the standard library once the sanitizers change
# the inlining (std::function inside std::regex at -O1 with ASan: "may be used uninitialized";
# "operator+" on strings at -O3: -Wrestrict). They stay warnings, printed, but do not fail a build.
set(BRIGADE_WERROR_FLAGS -Werror)
foreach(flag maybe-uninitialized restrict stringop-overflow array-bounds)
  list(APPEND BRIGADE_WERROR_FLAGS $<$<CXX_COMPILER_ID:GNU>:-Wno-error=${flag}>)
endforeach()

function(brigade_werror)
  foreach(dir ${ARGN})
    get_property(targets DIRECTORY ${dir} PROPERTY BUILDSYSTEM_TARGETS)
    foreach(target ${targets})
      get_target_property(type ${target} TYPE)
      if(type MATCHES "^(STATIC_LIBRARY|SHARED_LIBRARY|MODULE_LIBRARY|OBJECT_LIBRARY|EXECUTABLE)$"
         AND NOT target IN_LIST BRIGADE_WERROR_EXEMPT)
        target_compile_options(${target} PRIVATE ${BRIGADE_WERROR_FLAGS})
      endif()
    endforeach()
    get_property(subdirs DIRECTORY ${dir} PROPERTY SUBDIRECTORIES)
    if(subdirs)
      brigade_werror(${subdirs})
    endif()
  endforeach()
endfunction()
