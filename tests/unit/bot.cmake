# The engine (committer, outbox sender) on the engine harness, and the console adapter's parsing.
brigade_add_test(bot_tests
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/bot_committer_test.cpp
          ${CMAKE_CURRENT_LIST_DIR}/bot_outbox_test.cpp
          ${CMAKE_CURRENT_LIST_DIR}/console_test.cpp
  LIBS brigade_engine brigade_console brigade_pg_test LABELS threaded)
# The committer's PostgreSQL-only tests (tests/support/with_postgres.sh); the rest use LMDB alone.
add_test(NAME bot_tests_postgresql
         COMMAND ${PROJECT_SOURCE_DIR}/tests/support/with_postgres.sh $<TARGET_FILE:bot_tests>
                 --gtest_filter=*OnPostgres)
set_tests_properties(bot_tests_postgresql PROPERTIES LABELS "postgresql;threaded" TIMEOUT 600)
brigade_add_test(digest_tests SOURCES ${CMAKE_CURRENT_LIST_DIR}/digest_test.cpp LIBS brigade_engine LABELS threaded)
brigade_add_test(home_refresher_tests SOURCES ${CMAKE_CURRENT_LIST_DIR}/home_refresher_test.cpp LIBS brigade_engine
  LABELS threaded)
# The primary lease loop (which replica sends, syncs Matrix and runs the scheduled work).
brigade_add_test(primary_tests SOURCES ${CMAKE_CURRENT_LIST_DIR}/primary_test.cpp LIBS brigade_engine LABELS threaded)
