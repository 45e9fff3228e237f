# The engine (committer, outbox sender) on the engine harness, and the console adapter's parsing.
brigade_add_test(bot_tests
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/bot_committer_test.cpp
          ${CMAKE_CURRENT_LIST_DIR}/bot_outbox_test.cpp
          ${CMAKE_CURRENT_LIST_DIR}/console_test.cpp
  LIBS brigade_engine brigade_console LABELS threaded)
brigade_add_test(digest_tests SOURCES ${CMAKE_CURRENT_LIST_DIR}/digest_test.cpp LIBS brigade_engine LABELS threaded)
brigade_add_test(home_refresher_tests SOURCES ${CMAKE_CURRENT_LIST_DIR}/home_refresher_test.cpp LIBS brigade_engine
  LABELS threaded)
# The primary lease loop (which replica sends, syncs Matrix and runs the scheduled work).
brigade_add_test(primary_tests SOURCES ${CMAKE_CURRENT_LIST_DIR}/primary_test.cpp LIBS brigade_engine LABELS threaded)
