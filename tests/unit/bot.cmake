brigade_add_test(bot_tests SOURCES ${CMAKE_CURRENT_LIST_DIR}/bot_test.cpp LIBS brigade_engine brigade_console LABELS threaded)
brigade_add_test(digest_tests SOURCES ${CMAKE_CURRENT_LIST_DIR}/digest_test.cpp LIBS brigade_engine LABELS threaded)
