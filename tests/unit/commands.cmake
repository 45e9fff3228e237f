# Command tests: the grammar alone (no store), then every handler against a real store in a scratch
# directory — LMDB, and PostgreSQL in commands_tests_postgresql (tests/support/with_postgres.sh;
# brigade_pg_test is defined in store.cmake).
brigade_add_test(parse_tests SOURCES ${CMAKE_CURRENT_LIST_DIR}/parse_test.cpp LIBS brigade_commands)
brigade_add_test(commands_tests
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/commands_thanks_test.cpp
          ${CMAKE_CURRENT_LIST_DIR}/commands_praise_test.cpp
          ${CMAKE_CURRENT_LIST_DIR}/commands_ask_test.cpp
          ${CMAKE_CURRENT_LIST_DIR}/commands_leaderboard_test.cpp
          ${CMAKE_CURRENT_LIST_DIR}/commands_kudos_test.cpp
          ${CMAKE_CURRENT_LIST_DIR}/commands_trust_test.cpp
          ${CMAKE_CURRENT_LIST_DIR}/commands_ask_post_test.cpp
          ${CMAKE_CURRENT_LIST_DIR}/commands_celebrate_test.cpp
          ${CMAKE_CURRENT_LIST_DIR}/commands_home_test.cpp
  LIBS brigade_commands brigade_pg_test)
add_test(NAME commands_tests_postgresql
         COMMAND ${PROJECT_SOURCE_DIR}/tests/support/with_postgres.sh $<TARGET_FILE:commands_tests>)
set_tests_properties(commands_tests_postgresql PROPERTIES LABELS postgresql TIMEOUT 600)
