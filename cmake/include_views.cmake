# brigade_include_views(TABLE FOLDER...): gives every target defined in each FOLDER an include
# directory that holds only what TABLE (tests/unit/include_graph.txt) lets that folder include —
# a "view" of the source tree made of symbolic links in the build directory:
#
#   build/include-views/bot/{core,store,commands,config,bot} -> the source folders
#
# so `#include "web/api.hpp"` from bot/ is a compile error, not only a failing test. A folder whose
# row says `*` sees the whole tree. The same table drives tests/unit/include_graph_test.sh.
function(brigade_include_views table)
  file(STRINGS ${table} rows)
  foreach(row ${rows})
    string(REGEX REPLACE "#.*" "" row "${row}")
    string(STRIP "${row}" row)
    if(row STREQUAL "")
      continue()
    endif()
    string(REGEX REPLACE "[ \t]+" ";" words "${row}")
    list(POP_FRONT words folder)
    list(REMOVE_ITEM words "-")
    set(allowed_${folder} ${words})
    list(APPEND table_folders ${folder})
  endforeach()

  foreach(folder ${ARGN})
    if(NOT folder IN_LIST table_folders)
      message(FATAL_ERROR "${folder}/ has no row in ${table}: add one")
    endif()
    set(allowed ${allowed_${folder}})
    if("*" IN_LIST allowed)
      set(view ${PROJECT_SOURCE_DIR})
    else()
      string(REPLACE "/" "_" name ${folder})
      set(view ${PROJECT_BINARY_DIR}/include-views/${name})
      file(REMOVE_RECURSE ${view})
      foreach(dep ${folder} ${allowed})
        get_filename_component(parent ${view}/${dep} DIRECTORY)
        file(MAKE_DIRECTORY ${parent})
        file(CREATE_LINK ${PROJECT_SOURCE_DIR}/${dep} ${view}/${dep} SYMBOLIC)
      endforeach()
    endif()
    get_property(targets DIRECTORY ${PROJECT_SOURCE_DIR}/${folder} PROPERTY BUILDSYSTEM_TARGETS)
    foreach(target ${targets})
      get_target_property(type ${target} TYPE)
      if(NOT type STREQUAL "INTERFACE_LIBRARY")
        target_include_directories(${target} PRIVATE ${view})
      endif()
    endforeach()
  endforeach()
endfunction()
