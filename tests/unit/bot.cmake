brigade_add_test(bot_tests SOURCES ${CMAKE_CURRENT_LIST_DIR}/bot_test.cpp LIBS brigade_bot)
