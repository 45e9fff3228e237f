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
                   LIBS brigade_fake_matrix brigade_fake_slack brigade_store brigade_pg_test brigade_core
                   LABELS threaded)
  add_dependencies(matrix_process_tests brigade)

  # build/brigade run in every mode (console, Slack, Matrix, both), every HTTP route requested.
  brigade_add_test(modes_process_tests SOURCES ${CMAKE_CURRENT_LIST_DIR}/modes_process_test.cpp
                   LIBS brigade_fake_matrix brigade_fake_slack brigade_pg_test LABELS threaded)
  add_dependencies(modes_process_tests brigade)

  # Both again on PostgreSQL: a throwaway cluster from tests/support/with_postgres.sh.
  foreach(t matrix_process_tests modes_process_tests)
    add_test(NAME ${t}_postgresql COMMAND ${PROJECT_SOURCE_DIR}/tests/support/with_postgres.sh $<TARGET_FILE:${t}>)
    set_tests_properties(${t}_postgresql PROPERTIES LABELS "postgresql;threaded" TIMEOUT 600)
  endforeach()

  # Several `brigade run` replicas on one PostgreSQL ledger, and the faults they must survive:
  # kill -9 of the primary, the server stopped and started, a database unreachable at start, a
  # Matrix leader killed, two replicas racing on one giver's last kudos or taking givers in
  # opposite orders. PostgreSQL only (the cases skip themselves without it): registered only under
  # with_postgres.sh, whose BRIGADE_TEST_PG_CTL stops and starts the server.
  if(TARGET brigade_fake_slack)
    add_executable(replica_process_tests
      ${CMAKE_CURRENT_LIST_DIR}/replica_process_test.cpp ${CMAKE_CURRENT_LIST_DIR}/replica_start_test.cpp
      ${CMAKE_CURRENT_LIST_DIR}/replica_matrix_test.cpp ${CMAKE_CURRENT_LIST_DIR}/replica_race_test.cpp)
    target_link_libraries(replica_process_tests PRIVATE brigade_fake_matrix brigade_fake_slack brigade_store
                          brigade_pg_test brigade_libpq_headers brigade_core brigade_test_init GTest::gtest
                          GTest::gtest_main GTest::gmock Threads::Threads)
    target_precompile_headers(replica_process_tests REUSE_FROM brigade_test_pch)
    target_compile_definitions(replica_process_tests PRIVATE BRIGADE_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
                                                             BRIGADE_BINARY_DIR="${PROJECT_BINARY_DIR}")
    add_dependencies(replica_process_tests brigade)
    add_test(NAME replica_process_tests_postgresql
             COMMAND ${PROJECT_SOURCE_DIR}/tests/support/with_postgres.sh $<TARGET_FILE:replica_process_tests>)
    set_tests_properties(replica_process_tests_postgresql PROPERTIES LABELS "postgresql;threaded" TIMEOUT 600)
  endif()
endif()
