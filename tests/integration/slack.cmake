# Slack adapter tests: the real adapter against the fake Slack (testkit/slack) on loopback. The
# I/O-free logic is tested in tests/unit (adapters.cmake).
if(NOT TARGET brigade_slack)
  return()
endif()
brigade_add_test(slack_adapter_tests
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/slack_adapter_test.cpp ${CMAKE_CURRENT_LIST_DIR}/slack_link_test.cpp
          ${CMAKE_CURRENT_LIST_DIR}/slack_edit_test.cpp ${CMAKE_CURRENT_LIST_DIR}/slack_people_test.cpp
  LIBS brigade_slack brigade_fake_slack LABELS threaded)
# Buttons, shortcuts, the thanks modal and the Home tab against the fake.
brigade_add_test(slack_interactive_integration_tests
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/slack_modal_test.cpp ${CMAKE_CURRENT_LIST_DIR}/slack_home_test.cpp
          ${CMAKE_CURRENT_LIST_DIR}/slack_buttons_test.cpp
  LIBS brigade_slack brigade_fake_slack LABELS threaded)

# build/brigade run as a process against the fake (over TLS with a test CA); again on PostgreSQL
# (slack_process_tests_postgresql, a throwaway cluster from tests/support/with_postgres.sh).
brigade_add_test(slack_process_tests SOURCES ${CMAKE_CURRENT_LIST_DIR}/slack_process_test.cpp
                 LIBS brigade_fake_slack brigade_store brigade_pg_test brigade_core LABELS threaded)
add_dependencies(slack_process_tests brigade)
add_test(NAME slack_process_tests_postgresql
         COMMAND ${PROJECT_SOURCE_DIR}/tests/support/with_postgres.sh $<TARGET_FILE:slack_process_tests>)
set_tests_properties(slack_process_tests_postgresql PROPERTIES LABELS "postgresql;threaded" TIMEOUT 600)

# Public headers stay free of Asio/Beast, so including them costs nothing.
add_test(NAME layering_slack_public_headers_hide_beast
         COMMAND sh -c "! grep -nE '#include <(boost|openssl)' ${PROJECT_SOURCE_DIR}/adapters/slack/slack_adapter.hpp ${PROJECT_SOURCE_DIR}/adapters/slack/options.hpp ${PROJECT_SOURCE_DIR}/adapters/net/url.hpp ${PROJECT_SOURCE_DIR}/adapters/net/backoff.hpp ${PROJECT_SOURCE_DIR}/adapters/net/redact.hpp")
