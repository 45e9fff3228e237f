# Matrix adapter tests: the I/O-free logic, then the real adapter against a fake homeserver.
if(NOT TARGET brigade_matrix)
  return()
endif()
brigade_add_test(matrix_logic_tests SOURCES ${CMAKE_CURRENT_LIST_DIR}/matrix_logic_test.cpp
                 LIBS brigade_matrix_logic)

add_test(NAME layering_matrix_public_headers_hide_beast
         COMMAND sh -c "! grep -nE '#include <(boost|openssl)' ${PROJECT_SOURCE_DIR}/adapters/matrix/matrix_adapter.hpp ${PROJECT_SOURCE_DIR}/adapters/matrix/options.hpp ${PROJECT_SOURCE_DIR}/adapters/matrix/events.hpp ${PROJECT_SOURCE_DIR}/adapters/matrix/api.hpp")

# The fake homeserver shares brigade_net's precompiled Beast headers, and the fake Slack's test PKI.
if(EXISTS ${CMAKE_CURRENT_LIST_DIR}/fake_homeserver.cpp)
  add_library(brigade_fake_matrix STATIC ${CMAKE_CURRENT_LIST_DIR}/fake_homeserver.cpp)
  target_link_libraries(brigade_fake_matrix PUBLIC brigade_fake_slack brigade_net brigade_asio brigade_matrix_logic)
  target_precompile_headers(brigade_fake_matrix REUSE_FROM brigade_net)

  brigade_add_test(matrix_adapter_tests SOURCES ${CMAKE_CURRENT_LIST_DIR}/matrix_adapter_test.cpp
                   LIBS brigade_matrix brigade_fake_matrix LABELS threaded)

  # build/brigade run as a process against the fake (over TLS with a test CA), beside a fake Slack.
  brigade_add_test(matrix_process_tests SOURCES ${CMAKE_CURRENT_LIST_DIR}/matrix_process_test.cpp
                   LIBS brigade_fake_matrix brigade_fake_slack brigade_store brigade_core LABELS threaded)
  add_dependencies(matrix_process_tests brigade)

  # build/brigade run in every mode (console, Slack, Matrix, both), every HTTP route requested.
  brigade_add_test(modes_process_tests SOURCES ${CMAKE_CURRENT_LIST_DIR}/modes_process_test.cpp
                   LIBS brigade_fake_matrix brigade_fake_slack LABELS threaded)
  add_dependencies(modes_process_tests brigade)
endif()
