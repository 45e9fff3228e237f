# Matrix adapter tests: the I/O-free logic, then the real adapter against a fake homeserver.
if(NOT TARGET brigade_matrix)
  return()
endif()
brigade_add_test(matrix_logic_tests SOURCES ${CMAKE_CURRENT_LIST_DIR}/matrix_logic_test.cpp
                 LIBS brigade_matrix_logic)

add_test(NAME layering_matrix_public_headers_hide_beast
         COMMAND sh -c "! grep -nE '#include <(boost|openssl)' ${PROJECT_SOURCE_DIR}/adapters/matrix/matrix_adapter.hpp ${PROJECT_SOURCE_DIR}/adapters/matrix/options.hpp ${PROJECT_SOURCE_DIR}/adapters/matrix/events.hpp ${PROJECT_SOURCE_DIR}/adapters/matrix/api.hpp")
