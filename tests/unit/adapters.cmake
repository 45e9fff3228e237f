# The adapters' protocol logic without I/O: Slack and Matrix payloads, mentions, errors and replies
# against the reference fixtures (tests/unit/fixtures). The console adapter's parsing is in bot_tests.
if(TARGET brigade_slack_logic AND TARGET brigade_net)
  brigade_add_test(slack_logic_tests SOURCES ${CMAKE_CURRENT_LIST_DIR}/slack_logic_test.cpp
                   LIBS brigade_slack_logic brigade_net)
endif()
if(TARGET brigade_matrix_logic)
  brigade_add_test(matrix_logic_tests SOURCES ${CMAKE_CURRENT_LIST_DIR}/matrix_logic_test.cpp
                   LIBS brigade_matrix_logic)
endif()
