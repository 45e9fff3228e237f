# The adapters' I/O-free state machines and policies, step by step without sockets.
if(NOT TARGET brigade_slack_logic)
  return()
endif()
brigade_add_test(slack_unit_tests
                 SOURCES ${CMAKE_CURRENT_LIST_DIR}/slack_supervisor_test.cpp
                         ${CMAKE_CURRENT_LIST_DIR}/slack_response_urls_test.cpp
                 LIBS brigade_slack_logic)

if(TARGET brigade_matrix_logic)
  brigade_add_test(matrix_unit_tests SOURCES ${CMAKE_CURRENT_LIST_DIR}/matrix_session_test.cpp
                   LIBS brigade_matrix_logic)
endif()

if(TARGET brigade_matrix_logic AND TARGET brigade_slack_logic)
  brigade_add_test(wire_unit_tests SOURCES ${CMAKE_CURRENT_LIST_DIR}/wire_test.cpp
                   LIBS brigade_slack_logic brigade_matrix_logic)
endif()
