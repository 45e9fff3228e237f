# The adapters' protocol logic without I/O: Slack and Matrix payloads, mentions, errors and replies
# against the reference fixtures (tests/unit/fixtures); the state machines (Socket Mode supervisor,
# Matrix session) step by step; the wire structs. The console adapter's parsing is in bot_tests.
if(TARGET brigade_slack_logic AND TARGET brigade_net)
  brigade_add_test(slack_logic_tests SOURCES ${CMAKE_CURRENT_LIST_DIR}/slack_logic_test.cpp
                   LIBS brigade_slack_logic brigade_net)
endif()
if(TARGET brigade_slack_logic)
  brigade_add_test(slack_unit_tests
                   SOURCES ${CMAKE_CURRENT_LIST_DIR}/slack_supervisor_test.cpp
                           ${CMAKE_CURRENT_LIST_DIR}/slack_response_urls_test.cpp
                           ${CMAKE_CURRENT_LIST_DIR}/slack_people_test.cpp
                   LIBS brigade_slack_logic)
  # Buttons, shortcuts, the thanks modal, Block Kit and the golden views and messages.
  brigade_add_test(slack_interactive_tests
                   SOURCES ${CMAKE_CURRENT_LIST_DIR}/slack_interactive_test.cpp
                           ${CMAKE_CURRENT_LIST_DIR}/slack_blocks_test.cpp
                           ${CMAKE_CURRENT_LIST_DIR}/slack_golden_test.cpp
                   LIBS brigade_slack_logic)
endif()
if(TARGET brigade_matrix_logic)
  brigade_add_test(matrix_logic_tests SOURCES ${CMAKE_CURRENT_LIST_DIR}/matrix_logic_test.cpp
                   LIBS brigade_matrix_logic)
  brigade_add_test(matrix_unit_tests SOURCES ${CMAKE_CURRENT_LIST_DIR}/matrix_session_test.cpp
                                             ${CMAKE_CURRENT_LIST_DIR}/matrix_people_test.cpp
                                             ${CMAKE_CURRENT_LIST_DIR}/matrix_buttons_test.cpp
                   LIBS brigade_matrix_logic)
endif()
if(TARGET brigade_matrix_logic AND TARGET brigade_slack_logic)
  brigade_add_test(wire_unit_tests SOURCES ${CMAKE_CURRENT_LIST_DIR}/wire_test.cpp
                   LIBS brigade_slack_logic brigade_matrix_logic)
endif()
