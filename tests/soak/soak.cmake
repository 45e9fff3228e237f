# The crash soak (tests/soak/: soak_main.cpp, the shared soak.hpp, one file per platform): `make soak`
# runs it at full length; ctest runs a short variant.
if(NOT TARGET brigade_fake_matrix OR NOT TARGET brigade_fake_slack)
  return()
endif()
add_executable(brigade_soak ${CMAKE_CURRENT_LIST_DIR}/soak_main.cpp ${CMAKE_CURRENT_LIST_DIR}/soak_run.cpp
                            ${CMAKE_CURRENT_LIST_DIR}/soak_check.cpp ${CMAKE_CURRENT_LIST_DIR}/slack_soak.cpp
                            ${CMAKE_CURRENT_LIST_DIR}/matrix_soak.cpp)
target_link_libraries(brigade_soak PRIVATE brigade_fake_matrix brigade_fake_slack brigade_store brigade_core
                                           Threads::Threads)
target_compile_definitions(brigade_soak PRIVATE BRIGADE_BINARY_DIR="${PROJECT_BINARY_DIR}")
add_dependencies(brigade_soak brigade)

# A few seconds per platform, so `make test` keeps the soak working: 3 kills and a SIGTERM each.
add_test(NAME soak_short COMMAND brigade_soak --kills 3 --terms 1 --seed 1 --max-ms 1000)
set_tests_properties(soak_short PROPERTIES TIMEOUT 300)
