# End-to-end tests run the real binary; they must be built after it.
brigade_add_test(e2e_tests SOURCES ${CMAKE_CURRENT_LIST_DIR}/console_e2e_test.cpp
                 LIBS nlohmann_json::nlohmann_json)
add_dependencies(e2e_tests brigade)
