brigade_add_test(core_tests SOURCES ${CMAKE_CURRENT_LIST_DIR}/calendar_test.cpp ${CMAKE_CURRENT_LIST_DIR}/text_test.cpp
                         ${CMAKE_CURRENT_LIST_DIR}/thread_name_test.cpp
                 LIBS brigade_core)
