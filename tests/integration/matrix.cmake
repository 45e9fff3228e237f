# Matrix adapter tests: the real adapter against the fake homeserver (testkit/matrix). The I/O-free
# logic is tested in tests/unit (adapters.cmake).
if(NOT TARGET brigade_matrix)
  return()
endif()

add_test(NAME layering_matrix_public_headers_hide_beast
         COMMAND sh -c "! grep -nE '#include <(boost|openssl)' ${PROJECT_SOURCE_DIR}/adapters/matrix/matrix_adapter.hpp ${PROJECT_SOURCE_DIR}/adapters/matrix/options.hpp ${PROJECT_SOURCE_DIR}/adapters/matrix/events.hpp ${PROJECT_SOURCE_DIR}/adapters/matrix/api.hpp")

if(TARGET brigade_fake_matrix)
  brigade_add_test(matrix_adapter_tests
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/matrix_adapter_test.cpp ${CMAKE_CURRENT_LIST_DIR}/matrix_session_test.cpp
            ${CMAKE_CURRENT_LIST_DIR}/matrix_edit_test.cpp ${CMAKE_CURRENT_LIST_DIR}/matrix_people_test.cpp
    LIBS brigade_matrix brigade_fake_matrix LABELS threaded)

  # Reaction buttons: the adapter's side with replies the test queues (matrix_buttons_test.cpp), and
  # help requests taken and closed by reacting, end to end through the commands (matrix_ask_test.cpp).
  brigade_add_test(matrix_buttons_tests
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/matrix_buttons_test.cpp ${CMAKE_CURRENT_LIST_DIR}/matrix_ask_test.cpp
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
