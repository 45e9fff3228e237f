# brigade_werror(DIR...): -Werror on every target that compiles sources in DIR and the folders below
# it (BRIGADE_WERROR, which the asan preset and so CI turn on). Only the project's own targets get
# it: the flags of imported libraries are untouched, their headers come in as system headers (which
# warn about nothing), and brigade_boost_url, which compiles Boost.URL's own source, is left out.
set(BRIGADE_WERROR_EXEMPT brigade_boost_url)

function(brigade_werror)
  foreach(dir ${ARGN})
    get_property(targets DIRECTORY ${dir} PROPERTY BUILDSYSTEM_TARGETS)
    foreach(target ${targets})
      get_target_property(type ${target} TYPE)
      if(type MATCHES "^(STATIC_LIBRARY|SHARED_LIBRARY|MODULE_LIBRARY|OBJECT_LIBRARY|EXECUTABLE)$"
         AND NOT target IN_LIST BRIGADE_WERROR_EXEMPT)
        target_compile_options(${target} PRIVATE -Werror)
      endif()
    endforeach()
    get_property(subdirs DIRECTORY ${dir} PROPERTY SUBDIRECTORIES)
    if(subdirs)
      brigade_werror(${subdirs})
    endif()
  endforeach()
endfunction()
